/**
 * Whether a JSON or form body could have a field that log-mask.ts masks, read off its bytes: when not,
 * masking would return the text unchanged, and the body can go into its log line as bytes (json-bytes.ts)
 * without being parsed. Every name SECRET_FIELD matches contains one of SECRET_WORDS (ASCII letters, matched
 * regardless of case, as SECRET_FIELD's /i does: it folds no other character onto them); a name spelled with
 * escapes (`\u0070ass` in JSON, `%70ass` in a form) is caught by the escape character itself.
 */
import { SECRET_WORDS } from '../../common/log-mask';

const WORDS = SECRET_WORDS.map((w) => Buffer.from(w, 'latin1'));
/** For each lower-case first letter, the words starting with it. */
const BY_FIRST = new Map<number, Buffer[]>();
for (const w of WORDS) BY_FIRST.set(w[0], [...(BY_FIRST.get(w[0]) ?? []), w]);
const FIRST = new Uint8Array(256);
for (const c of BY_FIRST.keys()) {
  FIRST[c] = 1;
  FIRST[c & ~0x20] = 1;
}

/** `escape`: the byte that can spell a name otherwise (0x5c `\` in JSON, 0x25 `%` in a form). */
export function mayHoldSecrets(bytes: Uint8Array, escape: number): boolean {
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === escape) return true;
    if (FIRST[b] === 0) continue;
    for (const w of BY_FIRST.get(b | 0x20)!) if (startsWithWord(bytes, i, w)) return true;
  }
  return false;
}

function startsWithWord(bytes: Uint8Array, at: number, word: Buffer): boolean {
  if (at + word.length > bytes.length) return false;
  // `| 0x20` lower-cases ASCII letters and maps no other byte onto one.
  for (let j = 1; j < word.length; j++) if ((bytes[at + j] | 0x20) !== word[j]) return false;
  return true;
}
