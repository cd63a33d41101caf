/**
 * Whether a JSON or form body could have a field that log-mask.ts masks, read off its bytes: when not,
 * masking would return the text unchanged, and the body can go into its log line as bytes (json-bytes.ts)
 * without being parsed. Every name SECRET_FIELD matches contains one of SECRET_WORDS (ASCII letters, matched
 * regardless of case, as SECRET_FIELD's /i does: it folds no other character onto them). A name can also be
 * spelled with escapes: `\u0070ass` in JSON (of JSON's escapes only \u gives a letter; `\"`, `\n` and the
 * like are common in bodies and harmless), `%70ass` in a form (any `%`).
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

const BACKSLASH = 0x5c;
const U = 0x75;
const PERCENT = 0x25;

export function mayHoldSecrets(bytes: Uint8Array, syntax: 'json' | 'form'): boolean {
  const n = bytes.length;
  const json = syntax === 'json';
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (json ? b === BACKSLASH && bytes[i + 1] === U : b === PERCENT) return true;
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
