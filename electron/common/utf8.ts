/**
 * Strict UTF-8 decoding for pure code (this layer has neither TextDecoder nor Buffer): undefined for bytes
 * that are not well-formed UTF-8 (overlong forms, surrogates, code points past U+10FFFF, cut sequences).
 */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string | undefined {
  let out = '';
  let run: number[] = [];
  for (let i = start; i < end; ) {
    const b = bytes[i];
    let cp: number;
    let n: number;
    if (b < 0x80) {
      cp = b;
      n = 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f;
      n = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f;
      n = 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07;
      n = 4;
    } else return undefined;
    if (i + n > end) return undefined;
    for (let k = 1; k < n; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (c & 0x3f);
    }
    if ((n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff))) return undefined;
    run.push(cp);
    // Flush in slices: String.fromCodePoint takes a bounded argument list.
    if (run.length >= 4096) {
      out += String.fromCodePoint(...run);
      run = [];
    }
    i += n;
  }
  return out + String.fromCodePoint(...run);
}
