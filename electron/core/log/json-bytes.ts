/**
 * A body's UTF-8 bytes as the inside of a JSON string, without turning them into a JS string: the bytes
 * JSON.stringify would give for the decoded text, byte for byte. Valid UTF-8 is copied as it is (JSON
 * escapes only `"`, `\` and bytes below 0x20; valid UTF-8 has no lone surrogates, the only other thing
 * JSON.stringify escapes). Log lines carry bodies of up to 64 KB each at thousands of flows a second: as
 * strings they filled V8's young generation several times faster than forwarding alone (issue 20).
 */
import { isUtf8 } from 'node:buffer';

/** JSON's two-character escapes for control bytes; the others are written \u00xx. */
const SHORT: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };
const HEX = Buffer.from('0123456789abcdef');
const BACKSLASH = 0x5c;
const QUOTE = 0x22;

const ONES = 0x01010101;
const HIGHS = 0x80808080 | 0;
const SPACES = 0x20202020;
const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;

/** What scanText found: a byte JSON escapes (below 0x20, `"`, `\`), a control byte (below 0x20, not \t \n \v \f \r). */
export const ESCAPE = 1;
export const CONTROL = 2;

/**
 * ESCAPE and CONTROL as found in the bytes, in one pass: four bytes at a time with the yes/no tests of "Bit
 * Twiddling Hacks" (hasless, haszero: exact for any byte values), the bytes of a word looked at one by one
 * only when it has one below 0x20. A 64 KB body is checked at every line: a byte-by-byte loop was the log's
 * largest cost in a CPU profile of the proxy.
 */
export function scanText(bytes: Uint8Array): number {
  const n = bytes.length;
  let found = 0;
  // Whole 32-bit words from the first aligned offset (an Int32Array view needs one); the ends byte by byte.
  const start = Math.min(n, (4 - (bytes.byteOffset % 4)) % 4);
  const words = (n - start) >> 2;
  for (let i = 0; i < start; i++) found |= byteFlags(bytes[i]);
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + start, words);
    for (let w = 0; w < words && found !== (ESCAPE | CONTROL); w++) {
      const v = view[w];
      const quote = v ^ QUOTES;
      const backslash = v ^ BACKSLASHES;
      if ((((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash)) & HIGHS) found |= ESCAPE;
      if (((v - SPACES) & ~v) & HIGHS) {
        const at = start + w * 4;
        found |= byteFlags(bytes[at]) | byteFlags(bytes[at + 1]) | byteFlags(bytes[at + 2]) | byteFlags(bytes[at + 3]);
      }
    }
  }
  for (let i = start + words * 4; i < n; i++) found |= byteFlags(bytes[i]);
  return found;
}

function byteFlags(b: number): number {
  if (b >= 0x20) return b === QUOTE || b === BACKSLASH ? ESCAPE : 0;
  return b < 0x09 || b > 0x0d ? ESCAPE | CONTROL : ESCAPE;
}

/** Bytes `escapeInto` may write for `bytes` at most (every byte a \u00xx escape). */
export function maxEscapedLength(bytes: Uint8Array): number {
  return bytes.length * 6;
}

/** Writes the JSON-escaped bytes at `offset` of `out` (room for maxEscapedLength); returns the end offset. */
export function escapeInto(bytes: Uint8Array, out: Uint8Array, offset: number): number {
  let o = offset;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
      out[o++] = b;
    } else if (b === QUOTE || b === BACKSLASH) {
      out[o++] = BACKSLASH;
      out[o++] = b;
    } else if (SHORT[b] !== undefined) {
      out[o++] = BACKSLASH;
      out[o++] = SHORT[b];
    } else {
      out[o++] = BACKSLASH;
      out[o++] = 0x75; // u
      out[o++] = 0x30;
      out[o++] = 0x30;
      out[o++] = HEX[b >> 4];
      out[o++] = HEX[b & 15];
    }
  }
  return o;
}

export interface Utf8Text {
  /** The text's bytes (a view, not a copy): what TextDecoder would decode, or the declared-text cut of today's body-text.ts. */
  bytes: Uint8Array;
  /** The body ended inside a multi-byte character (cut at the log limit): text only when declared so. */
  cut: boolean;
}

const BOM_0 = 0xef;
const BOM_1 = 0xbb;
const BOM_2 = 0xbf;

/**
 * The text bytes of a body, or undefined when they are not UTF-8 (other than a last character cut short):
 * those keep the string path, whose replacement characters this does not reproduce.
 * - valid: without a leading byte-order mark (TextDecoder drops it);
 * - a cut last character: the bytes before it, less any U+FFFD just before (body-text.ts strips trailing
 *   replacement characters after Buffer#toString, which keeps a byte-order mark).
 */
export function utf8Text(bytes: Uint8Array): Utf8Text | undefined {
  if (isUtf8(bytes)) {
    const bom = bytes.length >= 3 && bytes[0] === BOM_0 && bytes[1] === BOM_1 && bytes[2] === BOM_2;
    return { bytes: bom ? bytes.subarray(3) : bytes, cut: false };
  }
  const lead = cutCharacterAt(bytes);
  if (lead < 0 || !isUtf8(bytes.subarray(0, lead))) return undefined;
  let end = lead;
  // U+FFFD is EF BF BD; in valid UTF-8 those three bytes at the end are always that whole character.
  while (end >= 3 && bytes[end - 3] === 0xef && bytes[end - 2] === 0xbf && bytes[end - 1] === 0xbd) end -= 3;
  return { bytes: bytes.subarray(0, end), cut: true };
}

/** Where a last character that is a proper start of a valid UTF-8 sequence begins, else -1. */
function cutCharacterAt(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const lead = bytes[n - back];
    if (lead >= 0x80 && lead < 0xc0) continue; // a continuation byte: the lead is further back
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length <= back) return -1;
    // The second byte's range depends on the lead (no overlong forms, surrogates or code points past U+10FFFF).
    if (back >= 2) {
      const second = bytes[n - back + 1];
      const [lo, hi] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
      if (second < lo || second > hi) return -1;
    }
    return n - back;
  }
  return -1;
}
