/**
 * Splits a filter expression into tokens: `(`, `)`, `-`, `or`, `and`, and terms (`key:value`,
 * `key>value`, bare words, quoted strings, `/regex/flags`). Decides what is a key and reports
 * unknown keys; the values themselves are checked by filter-terms.ts.
 *
 * Parentheses: `(` opens a group only at the start of a token; inside a group, closing parentheses at
 * the end of a word close groups when the word itself does not open them (`(path:/a(b) or x)` works;
 * quote a value to keep a trailing `)` literal there). Outside groups a `)` inside a word is literal.
 */
import { FilterError } from './filter-error';
import { FILTER_KEYS, filterKeyByName, type FilterKeyName } from './filter-keys';

export type FilterOp = ':' | '>' | '>=' | '<' | '<=';

export interface TermToken {
  kind: 'term';
  /** 'text' for a bare word or quoted string. */
  key: FilterKeyName | 'text';
  op: FilterOp;
  value: string;
  quoted: boolean;
  /** Set for an unquoted `/source/flags` value of url:, path: or msg:. */
  regex?: { source: string; flags: string };
  start: number;
  end: number;
  /** Where the value starts (after the key and operator). */
  valueStart: number;
}

export interface MarkToken {
  kind: 'lparen' | 'rparen' | 'not' | 'or' | 'and';
  start: number;
  end: number;
}

export type Token = TermToken | MarkToken;

const KEY_PREFIX = /([A-Za-z][A-Za-z-]*)(>=|<=|:|>|<)/y;
const REGEX_FLAGS = /[a-z]*/y;
const VALID_FLAGS = /^[dgimsuyv]*$/;
const REGEX_KEYS: ReadonlySet<FilterKeyName | 'text'> = new Set(['url', 'path', 'msg']);

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Classic edit distance, for "did you mean" on unknown keys (short strings only). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function unknownKeyReason(name: string): string {
  let best: (typeof FILTER_KEYS)[number] | undefined;
  let bestDistance = Infinity;
  for (const k of FILTER_KEYS) {
    const d = editDistance(name.toLowerCase(), k.name);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const hint =
    best && bestDistance <= 2
      ? `did you mean "${best.flag ? best.code : best.name + ':'}"?`
      : `keys are ${FILTER_KEYS.map((k) => (k.flag ? k.code : k.name + ':')).join(' ')}`;
  return `unknown key "${name}:"; ${hint} (quote the word to search URLs for it)`;
}

/**
 * A word with a colon is still a plain URL word when it is clearly not a key: a scheme
 * (`https://…`) or a port (`localhost:8080`, `localhost:8080/api`).
 */
function colonIsNotKey(rest: string): boolean {
  return rest.startsWith('//') || /^\d+(?:[/?\s]|$)/.test(rest);
}

export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let depth = 0;
  let i = 0;

  const mark = (kind: MarkToken['kind'], start: number, end: number) => tokens.push({ kind, start, end });

  /** Reads a quoted string at `at` (on the quote); returns its value and the offset after the closing quote. */
  const readQuoted = (at: number): { value: string; end: number } => {
    let value = '';
    for (let j = at + 1; j < n; j++) {
      const c = text[j];
      if (c === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) {
        value += text[j + 1];
        j++;
      } else if (c === '"') {
        return { value, end: j + 1 };
      } else {
        value += c;
      }
    }
    throw new FilterError('unterminated quote: add the closing "', at, n, text.slice(at));
  };

  /** After a value: only closing parentheses may follow before whitespace. Returns how many. */
  const closersAfter = (at: number): number => {
    let j = at;
    while (j < n && text[j] === ')') j++;
    return isSpace(text[j]) || j === n ? j - at : -1;
  };

  const emitClosers = (at: number, count: number) => {
    for (let k = 0; k < count; k++) {
      mark('rparen', at + k, at + k + 1);
      depth--;
    }
  };

  /** Reads an unquoted word from `at`; splits unbalanced trailing `)` off as group closers inside groups. */
  const readPlain = (at: number): { value: string; end: number; closers: number } => {
    let j = at;
    while (j < n && !isSpace(text[j])) j++;
    const word = text.slice(at, j);
    let closers = 0;
    if (depth > 0) {
      let balance = 0;
      for (const c of word) balance += c === '(' ? 1 : c === ')' ? -1 : 0;
      while (closers < -balance && closers < depth && word[word.length - 1 - closers] === ')') closers++;
    }
    return { value: word.slice(0, word.length - closers), end: j - closers, closers };
  };

  /** `/source/flags` at `at`, when the whole rest of the word is one regex literal (plus group closers). */
  const readRegex = (at: number): { source: string; flags: string; end: number; closers: number } | undefined => {
    let inClass = false;
    for (let j = at + 1; j < n && !isSpace(text[j]); j++) {
      const c = text[j];
      if (c === '\\') {
        j++;
      } else if (inClass) {
        if (c === ']') inClass = false;
      } else if (c === '[') {
        inClass = true;
      } else if (c === '/') {
        if (j === at + 1) return undefined;
        REGEX_FLAGS.lastIndex = j + 1;
        const flags = REGEX_FLAGS.exec(text)![0];
        const end = j + 1 + flags.length;
        const closers = closersAfter(end);
        if (closers < 0 || !VALID_FLAGS.test(flags)) return undefined;
        return { source: text.slice(at + 1, j), flags, end, closers };
      }
    }
    return undefined;
  };

  const readTerm = (start: number): number => {
    KEY_PREFIX.lastIndex = start;
    const m = KEY_PREFIX.exec(text);
    let key: FilterKeyName | 'text' = 'text';
    let op: FilterOp = ':';
    let valueStart = start;
    if (m) {
      const info = filterKeyByName(m[1]);
      const rest = text.slice(start + m[0].length);
      const keyText = m[0];
      if (info) {
        if (info.flag) {
          throw new FilterError(`"${info.code}" takes no value`, start, start + keyText.length, keyText);
        }
        if (m[2] !== ':' && !info.comparable) {
          throw new FilterError(`"${info.name}" does not compare with ${m[2]}; write ${info.name}:`, start, start + keyText.length, keyText);
        }
        key = info.name;
        op = m[2] as FilterOp;
        valueStart = start + keyText.length;
      } else if (m[2] === ':' && !colonIsNotKey(rest)) {
        throw new FilterError(unknownKeyReason(m[1]), start, start + keyText.length, keyText);
      }
    }

    if (key === 'text' && text[start] !== '"') {
      const { value, end, closers } = readPlain(start);
      const lower = value.toLowerCase();
      if (lower === 'or' || lower === 'and') mark(lower, start, end);
      else if (lower === 'pinned') tokens.push({ kind: 'term', key: 'pinned', op: ':', value: '', quoted: false, start, end, valueStart: end });
      else tokens.push({ kind: 'term', key, op, value, quoted: false, start, end, valueStart });
      emitClosers(end, closers);
      return end + closers;
    }

    if (text[valueStart] === '"') {
      const { value, end } = readQuoted(valueStart);
      const closers = closersAfter(end);
      if (closers < 0) {
        throw new FilterError('a quoted value must end the word: put a space after the closing quote', end, end + 1, text[end]);
      }
      tokens.push({ kind: 'term', key, op, value, quoted: true, start, end, valueStart });
      emitClosers(end, closers);
      return end + closers;
    }

    if (REGEX_KEYS.has(key) && text[valueStart] === '/') {
      const regex = readRegex(valueStart);
      if (regex) {
        const value = text.slice(valueStart, regex.end);
        tokens.push({ kind: 'term', key, op, value, quoted: false, regex: { source: regex.source, flags: regex.flags }, start, end: regex.end, valueStart });
        emitClosers(regex.end, regex.closers);
        return regex.end + regex.closers;
      }
    }

    const { value, end, closers } = readPlain(valueStart);
    tokens.push({ kind: 'term', key, op, value, quoted: false, start, end, valueStart });
    emitClosers(end, closers);
    return end + closers;
  };

  while (i < n) {
    const c = text[i];
    if (isSpace(c)) {
      i++;
    } else if (c === '(') {
      mark('lparen', i, i + 1);
      depth++;
      i++;
    } else if (c === ')') {
      mark('rparen', i, i + 1);
      depth--;
      i++;
    } else if (c === '-') {
      mark('not', i, i + 1);
      i++;
    } else {
      i = readTerm(i);
    }
  }
  return tokens;
}
