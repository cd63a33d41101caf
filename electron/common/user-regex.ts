/**
 * Regular expressions typed by users (filter `url:/…/`, rule URL matchers) run inside the proxy and
 * over every stored flow, so one catastrophic pattern would freeze capture. They are compiled once,
 * checked for length, backreferences and star height (safe-regex2: a quantifier inside a quantified
 * group, like `(a+)+`, can backtrack exponentially), and refused with a reason otherwise.
 */
import safeRegex from 'safe-regex2';

/** Longest pattern accepted; URL patterns are far shorter, and length multiplies matching cost. */
export const MAX_PATTERN_LENGTH = 1000;
/** Most quantifiers in one pattern (safe-regex2's limit): each one is a backtracking point. */
export const MAX_QUANTIFIERS = 25;

export type UserRegexResult = { ok: true; regex: RegExp } | { ok: false; error: string };

const FLAGS = /^[dgimsuyv]*$/;

/**
 * Walks the pattern once: finds a backreference (`\1`, `\k<name>`) outside character classes, and
 * rewrites lookbehind openers `(?<=` `(?<!` to `(?:` for the star-height check, whose tokenizer does
 * not know lookbehind; the quantifier structure, which is all that check reads, stays the same.
 */
function scan(source: string): { backreference?: string; forCheck: string } {
  let inClass = false;
  let forCheck = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9') return { backreference: `\\${next}`, forCheck };
      if (!inClass && next === 'k' && source[i + 2] === '<') {
        const close = source.indexOf('>', i);
        return { backreference: source.slice(i, close < 0 ? undefined : close + 1), forCheck };
      }
      forCheck += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && (source.startsWith('?<=', i + 1) || source.startsWith('?<!', i + 1))) {
      forCheck += '(?:';
      i += 3;
      continue;
    }
    forCheck += c;
  }
  return { forCheck };
}

/** Why this pattern may not run in Hindsight, or undefined when it may. Does not check syntax. */
export function regexRisk(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) {
    return `the pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted`;
  }
  const { backreference, forCheck } = scan(source);
  if (backreference) {
    return `backreferences (${backreference}) are refused: they can make matching take exponential time`;
  }
  if (!safeRegex(forCheck, { limit: MAX_QUANTIFIERS })) {
    return (
      'the pattern could take exponential time to match (a quantifier inside a repeated group, like (a+)+, ' +
      `or more than ${MAX_QUANTIFIERS} quantifiers), or uses syntax whose cost cannot be checked; simplify it`
    );
  }
  return undefined;
}

/**
 * Compiles a user's pattern after checking syntax, flags and risk. The `g` and `y` flags are dropped:
 * they make RegExp.test stateful (lastIndex), and a filter tests thousands of strings in a row.
 */
export function compileUserRegex(source: string, flags = ''): UserRegexResult {
  if (!FLAGS.test(flags) || new Set(flags).size !== flags.length) {
    return { ok: false, error: `"${flags}" are not regular-expression flags (use d, i, m, s, u, v)` };
  }
  const risk = regexRisk(source);
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (risk) return { ok: false, error: risk };
  return { ok: true, regex };
}
