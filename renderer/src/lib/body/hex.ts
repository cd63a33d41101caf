/** Hex dump lines (offset, 16 bytes in two groups of 8, printable ASCII), built per visible line. */

export const BYTES_PER_LINE = 16;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export interface HexLine {
  offset: string;
  hex: string;
  ascii: string;
}

export function hexLine(bytes: Uint8Array, line: number): HexLine {
  const start = line * BYTES_PER_LINE;
  const end = Math.min(bytes.length, start + BYTES_PER_LINE);
  let hex = '';
  let ascii = '';
  for (let i = start; i < start + BYTES_PER_LINE; i++) {
    if (i === start + 8) hex += ' ';
    if (i < end) {
      const b = bytes[i];
      hex += HEX[b] + ' ';
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·';
    } else {
      hex += '   ';
    }
  }
  return { offset: start.toString(16).padStart(8, '0'), hex: hex.trimEnd(), ascii };
}

export function hexLineCount(length: number): number {
  return Math.ceil(length / BYTES_PER_LINE);
}
