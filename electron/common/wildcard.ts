/**
 * Wildcards as users write them in filters and rules: `*` stands for any run of characters (also
 * none, also `/`), `?` for exactly one character, everything else is literal. The rules engine stores
 * the regular expression made here when a rule is saved, so what a wildcard means is fixed in one place.
 */

/** Characters with a meaning in a JavaScript regular expression (also with the `u` flag). */
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/** Escapes text so a RegExp matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(REGEX_SYNTAX, '\\$&');
}

/** True when the pattern has a `*` or `?`, i.e. it is more than a literal. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** How wildcardToRegex writes what a wildcard's characters stand for, in one regex syntax. */
export interface RegexDialect {
  /** Any one character: what `?` stands for, and `*` repeats. */
  any: string;
  /** One literal character of the pattern. */
  literal(ch: string): string;
}

/** JavaScript's (and RE2's) syntax: what rules store and filters run. */
const JS_DIALECT: RegexDialect = { any: '.', literal: escapeRegex };

/**
 * The anchored regular-expression source for a wildcard pattern: `^…$`, `*` → `.*`, `?` → `.`,
 * every other character escaped. Runs of `*` collapse to one `.*` (`.*.*` only adds backtracking).
 * Another dialect writes the same for another engine (PostgreSQL's, store/pg/filter-sql.ts).
 */
export function wildcardToRegex(pattern: string, dialect: RegexDialect = JS_DIALECT): string {
  let out = '^';
  let previousStar = false;
  for (const ch of pattern) {
    if (ch === '*') {
      if (!previousStar) out += `${dialect.any}*`;
      previousStar = true;
      continue;
    }
    previousStar = false;
    out += ch === '?' ? dialect.any : dialect.literal(ch);
  }
  return out + '$';
}
