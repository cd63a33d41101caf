/**
 * The URL condition of a rule made from a captured flow, in the scopes a user means (issue 13): this exact
 * URL; this path with any query (or none); this path and everything below it. Written as anchored regular
 * expressions because a wildcard cannot say them: its `?` stands for any one character, so the old
 * `/api/users?*` also took `/api/usersX` and `/api/users/` and missed `/api/users`. The rules engine
 * matches URLs without case (electron/common/rule-match.ts), and so does every scope here.
 */
import type { Matcher } from '../../../../electron/common/rule';

export type UrlScope = 'exact' | 'path' | 'below';
type UrlMatcher = Extract<Matcher, { type: 'url' }>;

export const URL_SCOPES: readonly { scope: UrlScope; label: string; help: string }[] = [
  { scope: 'exact', label: 'This exact URL', help: 'only this URL, query included' },
  { scope: 'path', label: 'This path, any query', help: 'this path with any query string, or none' },
  { scope: 'below', label: 'This path and below', help: 'this path, anything under it, any query' },
];

/**
 * Escapes a URL for a RegExp built from a string: every character with a meaning there, but not `/`, which
 * only a regex literal needs escaped; `^https://api\.example\.com/users` reads better than `^https:\/\/…`.
 */
function escapeUrl(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** The URL up to the query (no fragment), and the rest. */
function parts(url: string): { base: string; origin: string; path: string } {
  const noFragment = url.split('#')[0];
  const q = noFragment.indexOf('?');
  const base = q < 0 ? noFragment : noFragment.slice(0, q);
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(.*)$/i.exec(base);
  return m ? { base, origin: m[1], path: m[2] || '/' } : { base, origin: base, path: '' };
}

/** The condition for `url` in `scope`. */
export function scopeMatcher(url: string, scope: UrlScope): UrlMatcher {
  const { base, origin, path } = parts(url);
  let pattern: string;
  if (scope === 'exact') pattern = `^${escapeUrl(url.split('#')[0])}$`;
  // Open-ended after the path: the URL ends there or goes on past a boundary. No quantifiers, so the
  // pattern passes the rules' check against slow regular expressions (electron/common/user-regex.ts).
  else if (scope === 'path') pattern = `^${escapeUrl(origin + path)}($|\\?)`;
  // "Below" a path ends at a segment boundary: /api/users takes /api/users/7 but not /api/usersX.
  else if (path === '/' || path === '') pattern = `^${escapeUrl(origin)}($|[/?])`;
  else pattern = `^${escapeUrl(base.replace(/\/+$/, ''))}($|[/?])`;
  return { type: 'url', pattern, syntax: 'regex' };
}

/** Which scope of `url` a condition is (to show the choice as made), or undefined once edited by hand. */
export function scopeOf(matcher: Matcher | undefined, url: string): UrlScope | undefined {
  if (matcher?.type !== 'url' || matcher.syntax !== 'regex') return undefined;
  return URL_SCOPES.find(({ scope }) => scopeMatcher(url, scope).pattern === matcher.pattern)?.scope;
}
