/**
 * IP addresses and CIDR ranges, IPv4 and IPv6, for the filter language (`ip:`), rule scopes and the
 * LAN allow-list. Every address is held as four 32-bit words of its IPv6 form, IPv4 as IPv4-mapped
 * IPv6 (`::ffff:a.b.c.d`), so `10.0.0.0/8`, `::ffff:10.1.2.3` and `10.1.2.3` compare as one family:
 * Node reports IPv4 clients of a dual-stack socket as `::ffff:127.0.0.2`.
 */

/** Four 32-bit words, most significant first. */
export type IpWords = readonly [number, number, number, number];

export interface IpRange {
  /** What the user wrote, trimmed. */
  readonly text: string;
  /** 4 for IPv4 (and IPv4-mapped) ranges, 6 otherwise. */
  readonly family: 4 | 6;
  /** Prefix length in the family's own terms (0–32 for IPv4, 0–128 for IPv6). */
  readonly prefix: number;
  /** The network, masked. */
  readonly words: IpWords;
  readonly mask: IpWords;
}

export type IpRangeResult = { ok: true; range: IpRange } | { ok: false; error: string };

const IPV4_PART = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: some stacks read 010 as octal, and guessing would match the wrong client.
    if (!IPV4_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function parseIpv6(text: string): IpWords | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups: number[] = [];
  const readSide = (side: string, isLast: boolean): number[] | undefined => {
    if (side === '') return [];
    const out: number[] = [];
    const items = side.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (isLast && i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (HEX_GROUP.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = readSide(halves[0], halves.length === 1);
  if (!head) return undefined;
  if (halves.length === 1) {
    if (head.length !== 8) return undefined;
    groups.push(...head);
  } else {
    const tail = readSide(halves[1], true);
    if (!tail) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups.push(...head, ...new Array<number>(missing).fill(0), ...tail);
  }
  return [
    groups[0] * 65536 + groups[1],
    groups[2] * 65536 + groups[3],
    groups[4] * 65536 + groups[5],
    groups[6] * 65536 + groups[7],
  ];
}

/** Strips `[…]` around an IPv6 literal and a `%zone` suffix (fe80::1%eth0), which never identifies a client. */
function bare(text: string): string {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  return zone >= 0 ? t.slice(0, zone) : t;
}

/** Parses an IPv4 or IPv6 address into words (IPv4 mapped into ::ffff:0:0/96); undefined when it is not one. */
export function parseIp(text: string): IpWords | undefined {
  const t = bare(text);
  if (t.includes(':')) return parseIpv6(t);
  const v4 = parseIpv4(t);
  return v4 === undefined ? undefined : [0, 0, 0xffff, v4];
}

function isV4Mapped(w: IpWords): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
}

function maskWords(bits: number): IpWords {
  const out = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const b = Math.max(0, Math.min(32, bits - i * 32));
    out[i] = b === 0 ? 0 : b === 32 ? 0xffffffff : (0xffffffff - (2 ** (32 - b) - 1));
  }
  return out as unknown as IpWords;
}

function andWords(a: IpWords, b: IpWords): IpWords {
  // `>>> 0` keeps the results unsigned, so words compare with ===.
  return [(a[0] & b[0]) >>> 0, (a[1] & b[1]) >>> 0, (a[2] & b[2]) >>> 0, (a[3] & b[3]) >>> 0];
}

/**
 * Parses `10.0.0.0/8`, `fd00::/8`, or one address (a /32 or /128 range). Host bits below the prefix
 * are ignored (`10.1.2.3/8` is `10.0.0.0/8`), as most firewalls do.
 */
export function parseIpRange(text: string): IpRangeResult {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash >= 0 ? trimmed.slice(0, slash) : trimmed;
  const words = parseIp(addressText);
  if (!words) return { ok: false, error: `"${addressText}" is not an IPv4 or IPv6 address` };
  const family: 4 | 6 = isV4Mapped(words) ? 4 : 6;
  const maxPrefix = family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return { ok: false, error: `CIDR prefix "/${prefixText}" is not a number` };
    prefix = Number(prefixText);
    // An IPv4-mapped address written in IPv6 form takes an IPv6 prefix (::ffff:10.0.0.0/104).
    const writtenAsV6 = bare(addressText).includes(':');
    if (writtenAsV6 && family === 4) {
      if (prefix > 128) return { ok: false, error: `CIDR prefix /${prefix} is longer than 128 bits` };
      if (prefix < 96) {
        const mask = maskWords(prefix);
        return { ok: true, range: { text: trimmed, family: 6, prefix, words: andWords(words, mask), mask } };
      }
      prefix -= 96;
    } else if (prefix > maxPrefix) {
      return { ok: false, error: `CIDR prefix /${prefix} is longer than ${maxPrefix} bits for IPv${family}` };
    }
  }
  const bits = family === 4 ? 96 + prefix : prefix;
  const mask = maskWords(bits);
  return { ok: true, range: { text: trimmed, family, prefix, words: andWords(words, mask), mask } };
}

// Client addresses repeat across thousands of flows: parse each distinct string once, so filtering
// 60,000 flows by `ip:` does not allocate per flow. Bounded; cleared when full.
const parsedCache = new Map<string, IpWords | null>();
const PARSED_CACHE_MAX = 4096;

function parseIpCached(ip: string): IpWords | null {
  let words = parsedCache.get(ip);
  if (words === undefined) {
    words = parseIp(ip) ?? null;
    if (parsedCache.size >= PARSED_CACHE_MAX) parsedCache.clear();
    parsedCache.set(ip, words);
  }
  return words;
}

/** True when the address `ip` (any spelling, IPv4-mapped included) lies in `range`. False for a non-address. */
export function ipInRange(ip: string, range: IpRange): boolean {
  const w = parseIpCached(ip);
  if (!w) return false;
  const m = range.mask;
  const n = range.words;
  return (
    ((w[0] & m[0]) >>> 0) === n[0] &&
    ((w[1] & m[1]) >>> 0) === n[1] &&
    ((w[2] & m[2]) >>> 0) === n[2] &&
    ((w[3] & m[3]) >>> 0) === n[3]
  );
}

/** True when `ip` lies in any of the ranges (an empty list matches nothing). */
export function ipInAnyRange(ip: string, ranges: readonly IpRange[]): boolean {
  for (const r of ranges) if (ipInRange(ip, r)) return true;
  return false;
}

/**
 * One spelling per address: IPv4 (also IPv4-mapped) as dotted quad, IPv6 lower-case with the longest
 * run of zero groups compressed (RFC 5952). Undefined when `text` is not an address.
 */
export function normalizeIp(text: string): string | undefined {
  const w = parseIp(text);
  if (!w) return undefined;
  if (isV4Mapped(w)) return [w[3] >>> 24, (w[3] >>> 16) & 255, (w[3] >>> 8) & 255, w[3] & 255].join('.');
  const groups = [];
  for (const word of w) groups.push(Math.floor(word / 65536), word % 65536);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
