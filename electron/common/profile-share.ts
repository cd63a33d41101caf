/**
 * How a device profile travels between teammates: a JSON document (a file, `hindsight serve --rules FILE`),
 * and the same document deflated and base64url-encoded into a link short enough for a QR code:
 * - `hindsight://profile/<payload>` opens the desktop app;
 * - `<ui url>#profile=<payload>` opens the web UI (the fragment never reaches a server or its logs).
 * Pure: the renderer decodes a scanned link with the same code the core uses to make it.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { DeviceProfile, Rule } from './rule';
import { redactProxyText } from './connection-rule';

export const PROFILE_EXPORT_FORMAT = 'hindsight-profile';
export const PROFILE_EXPORT_VERSION = 1;
export const SHARE_LINK_PREFIX = 'hindsight://profile/';
export const SHARE_FRAGMENT_KEY = 'profile';
/** A payload longer than this cannot be a profile a person wrote; refused before inflating. */
const MAX_PAYLOAD_CHARS = 2_000_000;
/** Inflated size bound, so a crafted link cannot expand into gigabytes. */
const MAX_JSON_BYTES = 20_000_000;

/** The exported document. Profile and rule ids travel too, but an import gives them new ones. */
export interface ProfileExport {
  format: typeof PROFILE_EXPORT_FORMAT;
  version: typeof PROFILE_EXPORT_VERSION;
  exportedAt: number;
  /** `conditions`: the profile's network conditions (electron/common/conditions.ts), checked on import. */
  profile: { id: string; name: string; clients: string[]; conditions?: unknown };
  rules: Rule[];
}

export type ProfileExportResult = { ok: true; value: ProfileExport } | { ok: false; error: string };

export function toProfileExport(profile: DeviceProfile, exportedAt: number): ProfileExport {
  return {
    format: PROFILE_EXPORT_FORMAT,
    version: PROFILE_EXPORT_VERSION,
    exportedAt,
    profile: { id: profile.id, name: profile.name, clients: [...profile.clients], ...(profile.conditions ? { conditions: profile.conditions } : {}) },
    rules: shareableRules(profile.rules),
  };
}

/**
 * What of a profile's rules may leave this machine: client-certificate rules stay (their key is in a local
 * file and must not travel), and an upstream proxy's password is dropped (the receiver types their own).
 */
export function shareableRules(rules: readonly Rule[]): Rule[] {
  return rules.flatMap((rule) => {
    if (rule.action.type === 'client-certificate') return [];
    if (rule.action.type === 'upstream-proxy') return [{ ...rule, action: { ...rule.action, proxy: redactProxyText(rule.action.proxy) } }];
    return [rule];
  });
}

/** True when the value claims to be a profile export (so a rule file can tell the two apart). */
export function isProfileExport(value: unknown): boolean {
  return !!value && typeof value === 'object' && (value as { format?: unknown }).format === PROFILE_EXPORT_FORMAT;
}

/**
 * Checks the document's shape (not the rules themselves: the rule store validates each rule on import,
 * with errors naming the field). Errors name the bad part.
 */
export function parseProfileExport(value: unknown): ProfileExportResult {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'a profile export must be a JSON object' };
  const doc = value as Record<string, unknown>;
  if (doc.format !== PROFILE_EXPORT_FORMAT) return { ok: false, error: `format: expected "${PROFILE_EXPORT_FORMAT}"` };
  if (doc.version !== PROFILE_EXPORT_VERSION) {
    return { ok: false, error: `version: ${JSON.stringify(doc.version)} is not supported (this Hindsight reads version ${PROFILE_EXPORT_VERSION})` };
  }
  const profile = doc.profile as Record<string, unknown> | undefined;
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) return { ok: false, error: 'profile: must be an object' };
  if (typeof profile.name !== 'string' || profile.name.trim() === '') return { ok: false, error: 'profile.name: must be a non-empty string' };
  if (!Array.isArray(profile.clients) || !profile.clients.every((c) => typeof c === 'string')) {
    return { ok: false, error: 'profile.clients: must be an array of IPs or CIDRs' };
  }
  if (!Array.isArray(doc.rules)) return { ok: false, error: 'rules: must be an array' };
  for (let i = 0; i < doc.rules.length; i++) {
    const rule = doc.rules[i] as unknown;
    if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return { ok: false, error: `rules[${i}]: must be an object` };
  }
  return {
    ok: true,
    value: {
      format: PROFILE_EXPORT_FORMAT,
      version: PROFILE_EXPORT_VERSION,
      exportedAt: typeof doc.exportedAt === 'number' ? doc.exportedAt : 0,
      profile: {
        id: typeof profile.id === 'string' ? profile.id : '',
        name: profile.name,
        clients: profile.clients as string[],
        ...(profile.conditions !== undefined ? { conditions: profile.conditions } : {}),
      },
      rules: doc.rules as Rule[],
    },
  };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_INDEX = new Map([...BASE64URL].map((c, i) => [c, i]));

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += BASE64URL[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Undefined when the text has a character outside the base64url alphabet or an impossible length. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const c of text) {
    const v = BASE64URL_INDEX.get(c);
    if (v === undefined) return undefined;
    value = ((value << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 255;
    }
  }
  return out;
}

/** The link payload: deflated JSON, base64url. */
export function encodeProfilePayload(doc: ProfileExport): string {
  return toBase64Url(deflateSync(strToU8(JSON.stringify(doc)), { level: 9 }));
}

export function decodeProfilePayload(payload: string): ProfileExportResult {
  if (payload.length > MAX_PAYLOAD_CHARS) return { ok: false, error: 'the link is too long to be a profile' };
  const bytes = fromBase64Url(payload);
  if (!bytes) return { ok: false, error: 'the link is damaged (not base64url)' };
  let json: string;
  try {
    const inflated = inflateSync(bytes);
    if (inflated.length > MAX_JSON_BYTES) return { ok: false, error: 'the profile in the link is too large' };
    json = strFromU8(inflated);
  } catch {
    return { ok: false, error: 'the link is damaged (it does not inflate)' };
  }
  try {
    return parseProfileExport(JSON.parse(json));
  } catch {
    return { ok: false, error: 'the link is damaged (not JSON)' };
  }
}

export function profileShareLink(doc: ProfileExport): string {
  return SHARE_LINK_PREFIX + encodeProfilePayload(doc);
}

/** The web UI form: `<uiUrl>#profile=<payload>` (any fragment already on uiUrl is replaced). */
export function profileShareUrl(uiUrl: string, doc: ProfileExport): string {
  const base = uiUrl.split('#')[0];
  return `${base}#${SHARE_FRAGMENT_KEY}=${encodeProfilePayload(doc)}`;
}

/** Reads either link form (or a bare payload), as pasted or scanned. */
export function decodeProfileLink(link: string): ProfileExportResult {
  const text = link.trim();
  if (text.startsWith(SHARE_LINK_PREFIX)) return decodeProfilePayload(text.slice(SHARE_LINK_PREFIX.length));
  const hash = text.indexOf('#');
  if (hash >= 0) {
    for (const part of text.slice(hash + 1).split('&')) {
      if (part.startsWith(`${SHARE_FRAGMENT_KEY}=`)) return decodeProfilePayload(part.slice(SHARE_FRAGMENT_KEY.length + 1));
    }
    return { ok: false, error: `the link has no #${SHARE_FRAGMENT_KEY}= part` };
  }
  return decodeProfilePayload(text);
}
