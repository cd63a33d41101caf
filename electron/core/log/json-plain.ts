/**
 * Whether bytes are ASCII that JSON.stringify writes unchanged (no control byte, quote or backslash): then a
 * body's JSON string is those bytes between quotes (line-bytes.ts). Large bodies are checked at every log
 * line, so this reads four bytes at a time with the bit tests of "Bit Twiddling Hacks" (hasless, haszero)
 * instead of a regular expression, which scans a 64 KB string several times slower.
 */
import { isAscii } from 'node:buffer';

const ONES = 0x01010101;
const HIGHS = 0x80808080 | 0;
const SPACES = 0x20202020;
const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;

/** A byte below 0x20, a quote or a backslash among the four in `v` (all below 0x80). */
function escapedIn(v: number): boolean {
  const quote = v ^ QUOTES;
  const backslash = v ^ BACKSLASHES;
  // hasless(v, 0x20) and haszero of the two XORs: exact as yes/no for bytes below 0x80.
  return ((((v - SPACES) & ~v) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash)) & HIGHS) !== 0;
}

function escapedByte(b: number): boolean {
  return b < 0x20 || b === 0x22 || b === 0x5c;
}

export function isPlainJsonText(bytes: Buffer): boolean {
  if (!isAscii(bytes)) return false;
  // Whole 32-bit words from the first aligned offset (a Uint32Array view needs one); the ends byte by byte.
  const start = Math.min(bytes.length, (4 - (bytes.byteOffset % 4)) % 4);
  const words = (bytes.length - start) >> 2;
  for (let i = 0; i < start; i++) if (escapedByte(bytes[i])) return false;
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + start, words);
    for (let i = 0; i < words; i++) if (escapedIn(view[i])) return false;
  }
  for (let i = start + words * 4; i < bytes.length; i++) if (escapedByte(bytes[i])) return false;
  return true;
}
