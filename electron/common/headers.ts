/**
 * Header lists as the wire has them. Node's rawHeaders is a flat [name, value, name, value …] array with
 * order, case and duplicates intact; flows store it as pairs, and the proxy forwards flat arrays (Node's
 * request and writeHead accept them as-is) minus the hop-by-hop fields a proxy must not pass on
 * (RFC 9110 §7.6.1). The pair lists (a Flow's form) are edited by rules with the functions at the end.
 */
import type { Headers } from './flow';

export function headerPairs(raw: string[]): Headers {
  const pairs: Headers = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

/** The first value of `name` (lower case) in a flat raw list. */
export function rawHeader(raw: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].length === name.length && raw[i].toLowerCase() === name) return raw[i + 1];
  return undefined;
}

const ALWAYS_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization']);

/**
 * `raw` without hop-by-hop fields: Connection, Keep-Alive, Proxy-Connection, Proxy-Authorization and every
 * name the Connection field lists. Transfer-Encoding stays: Node frames the body by it on the next hop.
 * `keep` names fields to pass on anyway (Connection and Upgrade for a WebSocket handshake), `drop` more
 * fields to leave out.
 */
export function endToEndHeaders(raw: string[], keep?: ReadonlySet<string>, drop?: ReadonlySet<string>): string[] {
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') {
      for (const token of raw[i + 1].split(',')) {
        const name = token.trim().toLowerCase();
        if (name) (listed ??= new Set()).add(name);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if ((ALWAYS_HOP_BY_HOP.has(name) || listed?.has(name)) && !keep?.has(name)) continue;
    if (drop?.has(name)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** Replaces every Host field's value (or appends one) in a flat list, in place. */
export function setHost(raw: string[], host: string): string[] {
  let found = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'host') {
      raw[i + 1] = host;
      found = true;
    }
  }
  if (!found) raw.unshift('Host', host);
  return raw;
}

export function hasHeader(headers: Headers, name: string): boolean {
  const lower = name.toLowerCase();
  return headers.some(([k]) => k.toLowerCase() === lower);
}

export function withoutHeaders(headers: Headers, names: readonly string[]): Headers {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return headers.filter(([k]) => !drop.has(k.toLowerCase()));
}

/** Replaces every field of that name with one (where the first one was, else at the end). */
export function setHeader(headers: Headers, name: string, value: string): Headers {
  const lower = name.toLowerCase();
  const at = headers.findIndex(([k]) => k.toLowerCase() === lower);
  const rest = headers.filter(([k]) => k.toLowerCase() !== lower);
  if (at < 0) return [...rest, [name, value]];
  rest.splice(at, 0, [headers[at][0], value]);
  return rest;
}

export function sameHeaders(a: Headers, b: Headers): boolean {
  return a.length === b.length && a.every(([k, v], i) => k === b[i][0] && v === b[i][1]);
}
