/**
 * Header lists as the wire has them. Node's rawHeaders is a flat [name, value, name, value …] array with
 * order, case and duplicates intact; flows store it as pairs, and the proxy forwards flat arrays (Node's
 * request and writeHead accept them as-is) minus the hop-by-hop fields a proxy must not pass on
 * (RFC 9110 §7.6.1).
 */
import type { Headers } from '../../common/flow';

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
