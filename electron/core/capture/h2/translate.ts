/**
 * Header translation between HTTP/1.1 and HTTP/2 (RFC 9113 §8). Inside the proxy every request header list
 * is HTTP/1.1-shaped (a flat raw list with Host, as forward.ts and the rules have always used): a request
 * that arrived over h2 is turned into that shape once (pseudo-headers out, :authority → Host, cookie fields
 * joined), and turned back when it leaves over h2 (Host → :authority, connection-specific fields dropped).
 */
import type { Headers } from '../../../common/flow';
import type { Target } from '../target';
import { readableTarget } from '../request-target-bytes';

/** Fields HTTP/2 forbids (RFC 9113 §8.2.2): they describe one connection, and h2 has its own framing. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/** The h2 client's raw list (pseudo-headers first) split into its pseudo-headers and its fields. */
export function splitPseudo(raw: string[]): { pseudo: Headers; fields: Headers } {
  const pseudo: Headers = [];
  const fields: Headers = [];
  for (let i = 0; i + 1 < raw.length; i += 2) (raw[i].startsWith(':') ? pseudo : fields).push([raw[i], raw[i + 1]]);
  return { pseudo, fields };
}

/**
 * An h2 request's raw list as HTTP/1.1 fields: Host from :authority first (§8.3.1), pseudo-headers left out,
 * several cookie fields joined with "; " into one (§8.2.3).
 */
export function h2RequestToH1(raw: string[]): string[] {
  const out: string[] = [];
  let authority: string | undefined;
  let hasHost = false;
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name === ':authority') authority = raw[i + 1];
    else if (name.startsWith(':')) continue;
    else if (name === 'cookie') cookies.push(raw[i + 1]);
    else {
      if (name === 'host') hasHost = true;
      out.push(name, raw[i + 1]);
    }
  }
  if (cookies.length > 0) out.push('cookie', cookies.join('; '));
  if (authority !== undefined && !hasHost) out.unshift('host', authority);
  return out;
}

/**
 * HTTP/1.1-shaped request fields as h2 headers for `http2.request`: names lower-cased, Host → :authority,
 * connection-specific fields dropped, `te` kept only as "trailers" (§8.2.2). Repeated fields become arrays.
 */
export function h1RequestToH2(raw: string[], method: string, path: string, scheme: string, fallbackAuthority: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ':method': method, ':scheme': scheme, ':path': path, ':authority': fallbackAuthority };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name === 'host') {
      headers[':authority'] = value;
      continue;
    }
    if (CONNECTION_SPECIFIC.has(name)) continue;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    addField(headers, name, value);
  }
  if (method === 'CONNECT') {
    delete headers[':scheme'];
    delete headers[':path'];
  }
  return headers;
}

/** Response or trailer fields (flat raw list) as h2 headers: lower-case names, connection-specific fields out. */
export function h1ResponseToH2(raw: string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (CONNECTION_SPECIFIC.has(name) || name.startsWith(':')) continue;
    addField(headers, name, raw[i + 1]);
  }
  return headers;
}

/** A header object as Node gives it for h2 (values string or string[]) to a flat raw list, pseudo-headers left out. */
export function objectToRaw(headers: Record<string, string | string[] | number | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, String(value));
  }
  return out;
}

function addField(headers: Record<string, string | string[]>, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[name] = [existing, value];
}

/**
 * Raw UTF-8 in an h2 :path (nghttp2 takes bytes >= 0x80 there; Node gives them as latin1 chars): the bytes go
 * upstream as they came (`target.path`, written as latin1 by both clients), while the URL that rules, filters
 * and the flow read gets them percent-encoded, as HTTP/1.1's --raw-utf8-paths does (request-target-bytes.ts).
 */
export function h2ReadableUrl(req: { httpVersionMajor?: number }, target: Target | undefined): Target | undefined {
  if (!target || req.httpVersionMajor !== 2) return target;
  const url = readableTarget(target.url);
  return url === target.url ? target : { ...target, url };
}

/** The recorded pseudo-headers with :path readable, as h2ReadableUrl() makes the URL. */
export function readablePseudo(pseudo: Headers): Headers {
  return pseudo.map(([name, value]) => (name === ':path' ? [name, readableTarget(value)] : [name, value]));
}
