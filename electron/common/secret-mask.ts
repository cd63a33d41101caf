/**
 * Masking secrets before captured traffic leaves Hindsight for a coding agent (the MCP server): header
 * values of Authorization, Cookie, Set-Cookie and API-key-looking headers, JSON fields with secret-looking
 * names, the same names in URL queries and in `Name: value` lines of text (curl commands, HAR documents).
 * A masked value keeps its length and, for Authorization, its scheme, so the agent can still tell a
 * missing token from a present one.
 */
import type { Headers } from './flow';

/** Header names whose values are secret, lower case. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
/** Names (headers, JSON keys, query parameters) that look like they hold a secret. */
const SECRET_NAME = /api[-_]?key|apikey|secret|token|passw(or)?d|^pass$|^pwd$|session[-_]?id|^sid$|private[-_]?key|credential|^auth$|signature|^x-amz-security/i;

export function isSecretName(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase()) || SECRET_NAME.test(name);
}

export function maskValue(value: string, name = ''): string {
  if (value === '') return value;
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const m = /^(\S+)\s+(.+)$/.exec(value);
    if (m) return `${m[1]} [masked ${m[2].length} chars]`;
  }
  if (lower === 'set-cookie') {
    // The cookie's name and attributes tell the agent what is set; its value is the secret.
    const m = /^([^=;]+)=([^;]*)(.*)$/.exec(value);
    if (m) return `${m[1]}=[masked ${m[2].length} chars]${m[3]}`;
  }
  return `[masked ${value.length} chars]`;
}

export function maskHeaders(headers: Headers): Headers {
  return headers.map(([n, v]) => (isSecretName(n) ? [n, maskValue(v, n)] : [n, v]));
}

/** A JSON value with every secret-looking field masked (strings and numbers); `{ name, value }` pairs too (HAR, Postman). */
export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const pairName = typeof o.name === 'string' ? o.name : typeof o.key === 'string' ? o.key : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if ((typeof v === 'string' || typeof v === 'number') && (isSecretName(k) || (k === 'value' && pairName !== undefined && isSecretName(pairName)))) {
      out[k] = maskValue(String(v), k === 'value' ? pairName : k);
    } else if (k === 'cookies' && Array.isArray(v)) {
      // HAR's parsed cookies: every value is as secret as the Cookie header it came from.
      out[k] = v.map((c) => (c && typeof c === 'object' && typeof (c as { value?: unknown }).value === 'string' ? { ...c, value: maskValue((c as { value: string }).value) } : c));
    } else if (k === 'text' && typeof v === 'string') {
      // A body inside a document (HAR content.text, postData.text): JSON is masked field by field.
      out[k] = maskEmbedded(v);
    } else {
      out[k] = maskJson(v);
    }
  }
  return out;
}

/** The URL with secret-looking query parameters masked. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const query = url
    .slice(q + 1, end)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part;
      let name = part.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // A malformed escape is matched as written.
      }
      return isSecretName(name) ? `${part.slice(0, eq)}=${encodeURIComponent(maskValue(part.slice(eq + 1)))}` : part;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${query}${url.slice(end)}`;
}

/**
 * Free text (a curl command, a text body): `Name: value` for secret header names up to the end of the
 * line or a closing quote, `name=value` for secret parameter names (form bodies, query strings, cookies),
 * `"name": "value"` for secret JSON fields.
 */
export function maskText(text: string): string {
  return text
    .replace(/\b(authorization|proxy-authorization|cookie|set-cookie|[\w-]*(?:api[-_]?key|token|secret)[\w-]*)(\s*:\s*)([^'"\r\n]+)/gi, (_, name: string, sep: string, value: string) => `${name}${sep}${maskValue(value, name)}`)
    .replace(/([?&;\s]|^)([\w.-]+)=([^&;\s'"]+)/g, (all, lead: string, name: string, value: string) => (isSecretName(name) ? `${lead}${name}=${maskValue(value)}` : all))
    // JSON-looking pairs in text that is not whole JSON (a line of a diff, a cut page).
    .replace(/"([\w.-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g, (all, name: string, sep: string, value: string) => (isSecretName(name) ? `"${name}"${sep}"${maskValue(value)}"` : all));
}

/** A body carried as a string: JSON masked by field (and written back compactly), other text by maskText. */
export function maskEmbedded(text: string): string {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      const value: unknown = JSON.parse(text);
      const masked = JSON.stringify(maskJson(value));
      return masked === JSON.stringify(value) ? text : masked;
    } catch {
      // Not JSON after all.
    }
  }
  return maskText(text);
}
