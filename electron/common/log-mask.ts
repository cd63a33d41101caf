/**
 * Secrets kept out of log lines (`hindsight serve --log`): credentials in headers, and values of fields
 * named like a password, token, secret or key in JSON bodies, form bodies and query strings. Masking is on
 * by default; `--log-unmasked` turns it off. Pure.
 */

export const MASK = '***';

/** Headers whose whole value is a credential. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-csrf-token', 'x-xsrf-token']);
/**
 * Field names whose values are masked: pass, password, passwd, passphrase, token, access_token, secret,
 * client_secret, api_key, apiKey, credentials… (not passenger or bypass).
 */
const SECRET_FIELD = /^pass$|passw(or)?d|passphrase|token|secret|api[-_]?key|credential|authorization/i;
/**
 * What every name SECRET_FIELD matches contains. A query without `%` whose text holds none of these has no
 * secret-named parameter (decoding `+` to a space cannot make one), so it is kept as it is without splitting.
 */
const SECRET_PART = /pass|token|secret|api[-_]?key|credential|authorization/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/**
 * Headers as one object (lower-case names; repeated headers joined with ", "), secrets masked when asked.
 * A header named like an Object.prototype member (`constructor`, `__proto__`) is a field like any other
 * (checked with hasOwn; `__proto__` defined, since assigning it would not make a field). Not an object
 * without a prototype: those cost a third more to fill and stringify, once per header set per log line.
 */
export function headerObject(headers: readonly [string, string][], mask: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    const shown = mask && SECRET_HEADERS.has(name) ? MASK : value;
    const joined = Object.hasOwn(out, name) ? `${out[name]}, ${shown}` : shown;
    if (name === '__proto__') Object.defineProperty(out, name, { value: joined, enumerable: true, writable: true, configurable: true });
    else out[name] = joined;
  }
  return out;
}

/** A query string (without `?`) with secret-named parameters masked; other bytes left exactly as they were. */
export function maskQuery(query: string): string {
  if (!query.includes('%') && !SECRET_PART.test(query)) return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return isSecretField(name) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    })
    .join('&');
}

/** The URL with its query masked (see maskQuery); the fragment never reaches a proxy. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?${maskQuery(url.slice(q + 1))}`;
}

function maskValue(value: unknown): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = maskValue(v);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // A secret-named field is masked whatever it holds: a list of tokens or a {value} object is as secret.
      if (isSecretField(k) && v !== null) {
        out[k] = MASK;
        changed = true;
      } else {
        const r = maskValue(v);
        changed ||= r.changed;
        out[k] = r.value;
      }
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}

/**
 * A JSON body with secret-named fields masked. The text is kept as sent when nothing is masked; otherwise
 * it is written again compactly. JSON that does not parse (cut at the log limit, or broken) is kept only
 * when no secret-like name appears in it at all, else replaced by a note: a partial document cannot be
 * masked field by field.
 */
export function maskJsonText(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return SECRET_FIELD.test(text) ? `[masked: JSON that could not be parsed, with secret-like field names; ${text.length} characters]` : text;
  }
  const { value, changed } = maskValue(doc);
  return changed ? JSON.stringify(value) : text;
}

/** An application/x-www-form-urlencoded body with secret-named fields masked. */
export function maskFormText(text: string): string {
  return maskQuery(text);
}
