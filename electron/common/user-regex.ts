/**
 * Every pattern a user types — rule URL regexes and wildcards, host wildcards, filter `url:/…/`,
 * `path:/…/`, `host:*…` terms — runs inside the proxy and over every stored flow, so one pattern that
 * backtracks (`(a|aa)+$`, `a*a*a*…b`, the wildcard `*a*a*…b`) would freeze capture for every client.
 * A heuristic guard cannot catch them all, so they run on RE2JS, a pure-JavaScript port of RE2: matching
 * time is linear in the input whatever the pattern. Pure JavaScript because the same module runs in
 * plain Node (core, CLI), the Electron main process and the browser (the renderer checks patterns as the
 * user types); docs/ARCHITECTURE.md ("User patterns") says why not re2-wasm or the native re2.
 *
 * The syntax is RE2's: no backreferences and no lookahead/lookbehind (refused with that reason), `\x{…}`
 * instead of `\u…`. This is the only module that compiles user patterns; everything else asks it.
 */
import { RE2JS } from 're2js';
import { wildcardToRegex } from './wildcard';

/** Longest pattern accepted; URL patterns are far shorter, and length multiplies the automaton's size. */
export const MAX_PATTERN_LENGTH = 1000;

/** A compiled user pattern: `test` finds a match anywhere in the text (anchor with ^ and $). */
export interface UserRegex {
  readonly source: string;
  /** The flags that took effect: a subset of `ims`. */
  readonly flags: string;
  test(text: string): boolean;
  /** The first match's groups (`[0]` the whole match, null for a group that took no part), or null. */
  exec(text: string): (string | null)[] | null;
  /** Every match replaced; `$1`, `$&` in `replacement` work as in JavaScript's String.replace. */
  replaceAll(text: string, replacement: string): string;
}

export type UserRegexResult = { ok: true; regex: UserRegex } | { ok: false; error: string };

/** JavaScript flags accepted in `/…/flags`; only i, m and s change matching (the rest are no-ops here). */
const FLAGS = /^[dgimsuyv]*$/;
const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

/** Syntax RE2 leaves out on purpose (it cannot run in linear time), explained instead of RE2's parse error. */
const UNSUPPORTED: { find: RegExp; why: string }[] = [
  { find: /\\[1-9]|\\k</, why: 'backreferences' },
  { find: /\(\?<?[=!]/, why: 'lookahead and lookbehind' },
];

/** Why RE2 refused the pattern, in one line. Scans for the unsupported syntax only after RE2 refused it,
 *  so `[\1]` or `\\1` inside a valid pattern never trips it. */
function explain(source: string, err: unknown): string {
  for (const u of UNSUPPORTED) {
    if (u.find.test(source)) return `${u.why} are not supported (patterns use RE2 syntax, which always matches in linear time)`;
  }
  const message = err instanceof Error ? err.message : String(err);
  // RE2JS shows flags as a prefix of the pattern (`(?i)a(`): quote the pattern as the user wrote it.
  return message.replace(/^error parsing regexp: /, '').replace(/`\(\?[imsU]+\)/, '`');
}

function wrap(compiled: RE2JS, source: string, flags: string): UserRegex {
  return {
    source,
    flags,
    test: (text) => compiled.test(text),
    exec: (text) => {
      const m = compiled.matcher(text);
      return m.find() ? Array.from({ length: m.groupCount() + 1 }, (_, i) => m.group(i)) : null;
    },
    replaceAll: (text, replacement) => compiled.matcher(text).replaceAll(replacement),
  };
}

/**
 * Compiles a user's regular expression (RE2 syntax) with JavaScript-style flags. `g`, `y`, `d`, `u` and
 * `v` are accepted and ignored (matching is stateless and always Unicode-aware).
 */
export function compileUserRegex(source: string, flags = ''): UserRegexResult {
  if (!FLAGS.test(flags) || new Set(flags).size !== flags.length) {
    return { ok: false, error: `"${flags}" are not regular-expression flags (use i, m, s)` };
  }
  if (source.length > MAX_PATTERN_LENGTH) {
    return { ok: false, error: `the pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted` };
  }
  const kept = [...flags].filter((f) => Object.hasOwn(FLAG_BITS, f)).sort().join('');
  let bits = 0;
  for (const f of kept) bits |= FLAG_BITS[f];
  try {
    return { ok: true, regex: wrap(RE2JS.compile(source, bits), source, kept) };
  } catch (err) {
    return { ok: false, error: explain(source, err) };
  }
}

/**
 * Compiles a wildcard (`*` any run, `?` one character, anchored, case-insensitive) or the regex source a
 * rule stored for it. Wildcards are checked for length where they are saved, not here: the escaped form
 * is longer than what the user typed.
 */
export function compileWildcard(pattern: string, storedRegex?: string): UserRegex {
  const source = storedRegex ?? wildcardToRegex(pattern);
  try {
    return wrap(RE2JS.compile(source, RE2JS.CASE_INSENSITIVE), source, 'i');
  } catch (err) {
    // A stored regex that no longer compiles (a hand-edited rules.db): the wildcard itself always does.
    if (storedRegex === undefined) throw new Error(`wildcard ${JSON.stringify(pattern)} cannot run: ${explain(source, err)}`);
    return compileWildcard(pattern);
  }
}
