// Trusting the root CA on this machine (see trust.ts).
export { createCaTrust, certFacts, nssDatabases, nssTrustFlags } from './trust';
export type { CaTrust, TrustOptions } from './trust';
