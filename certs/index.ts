// The certificate authority's public API (see ./types.ts for the contract the core depends on).
export type { CertificateAuthority, LeafCertificate } from './types';
export { loadOrCreateCa, regenerateCa, caFiles, CaFileError, CA_VALIDITY_YEARS } from './ca';
export type { CaOptions, LoadedCa, RegeneratedCa } from './ca';
export { LeafMinter, sharedLeafKey, normalizeHost, LEAF_VALIDITY_DAYS } from './leaf';
export type { Issuer, LeafKey, LeafMinterOptions } from './leaf';
export { trustHint } from './trust';
