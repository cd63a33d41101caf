/**
 * Where a session replay sends each recorded request, and with which headers: `--to URL` replaces the
 * scheme, host and port of every request (path and query kept), `--map FROM=TO` does so only for requests
 * to the origin FROM (several allowed; a map wins over --to), `--header 'Name: value'` replaces every
 * header of that name (or adds it), and `--header 'Name:'` removes it. Host follows the new origin.
 */
import type { Headers } from '../../common/flow';

export interface Origin {
  scheme: 'http' | 'https';
  /** host[:port] as written in a URL (brackets kept for IPv6), lower case. */
  authority: string;
}

export interface Retarget {
  to?: Origin;
  map: { from: Origin; to: Origin }[];
  /** Replacements in order; a null value removes the header. */
  headers: { name: string; value: string | null }[];
}

export class TargetError extends Error {
  override name = 'TargetError';
}

const ORIGIN = /^(https?):\/\/([^/?#@\s]+)\/?$/i;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `http://host:port` (a trailing slash allowed, nothing after it): a base URL names an origin only. */
export function parseOrigin(text: string, what: string): Origin {
  const m = ORIGIN.exec(text.trim());
  if (!m) throw new TargetError(`${what} must be an origin like https://staging.example.com:8443 (no path), got '${text}'`);
  return { scheme: m[1].toLowerCase() as Origin['scheme'], authority: defaultPortless(m[1].toLowerCase(), m[2].toLowerCase()) };
}

function defaultPortless(scheme: string, authority: string): string {
  return (scheme === 'http' && authority.endsWith(':80')) || (scheme === 'https' && authority.endsWith(':443')) ? authority.replace(/:\d+$/, '') : authority;
}

export function parseMap(text: string): { from: Origin; to: Origin } {
  const at = text.indexOf('=');
  if (at < 0) throw new TargetError(`--map expects FROM=TO (two origins), got '${text}'`);
  return { from: parseOrigin(text.slice(0, at), '--map FROM'), to: parseOrigin(text.slice(at + 1), '--map TO') };
}

export function parseHeaderOverride(text: string): { name: string; value: string | null } {
  const at = text.indexOf(':');
  const name = at < 0 ? '' : text.slice(0, at).trim();
  if (!TOKEN.test(name)) throw new TargetError(`--header expects 'Name: value' (or 'Name:' to remove it), got '${text}'`);
  const value = text.slice(at + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new TargetError(`--header ${name}: the value contains a line break`);
  return { name, value: value === '' ? null : value };
}

export function originOf(url: string): Origin | null {
  const m = /^(https?):\/\/([^/?#]*)/i.exec(url);
  if (!m) return null;
  const scheme = m[1].toLowerCase() as Origin['scheme'];
  return { scheme, authority: defaultPortless(scheme, m[2].replace(/^[^@]*@/, '').toLowerCase()) };
}

export const originText = (o: Origin) => `${o.scheme}://${o.authority}`;

/** The new origin for a URL, or null when neither a map nor --to covers it. */
export function targetFor(url: string, r: Retarget): Origin | null {
  const from = originOf(url);
  if (!from) return null;
  const mapped = r.map.find((m) => m.from.scheme === from.scheme && m.from.authority === from.authority);
  return mapped?.to ?? r.to ?? null;
}

/** The URL with its origin replaced; path, query and fragment-free rest kept byte for byte. */
export function retargetUrl(url: string, to: Origin): string {
  return url.replace(/^https?:\/\/[^/?#]*/i, originText(to));
}

/** Headers for the retargeted request: Host follows the new origin, overrides applied, order kept. */
export function retargetHeaders(headers: Headers, to: Origin, overrides: Retarget['headers']): Headers {
  return overrideHeaders(
    headers.map(([n, v]) => (n.toLowerCase() === 'host' ? [n, to.authority] : [n, v])),
    overrides,
  );
}

/** Each override replaces the first header of its name (dropping the others) or is appended; null removes. */
export function overrideHeaders(headers: Headers, overrides: Retarget['headers']): Headers {
  let out = headers;
  for (const { name, value } of overrides) {
    const lower = name.toLowerCase();
    const first = out.findIndex(([n]) => n.toLowerCase() === lower);
    const kept: Headers = [];
    out.forEach(([n, v], i) => {
      if (n.toLowerCase() !== lower) kept.push([n, v]);
      else if (i === first && value !== null) kept.push([name, value]);
    });
    if (first < 0 && value !== null) kept.push([name, value]);
    out = kept;
  }
  return out;
}
