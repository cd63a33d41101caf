import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileUserRegex, compileWildcard } from '../../../electron/common/user-regex';
import { wildcardToRegex } from '../../../electron/common/wildcard';

/** Patterns that froze the proxy on a backtracking engine (issue 14): each one, with the input that did it. */
const FREEZING_REGEXES = ['([a-z]|[a-z0-9])*$', '(a|aa)+$', 'a*a*a*a*a*a*a*a*a*a*b', '\\d*\\d*\\d*\\d*x', '(a+)+$', '(\\w+\\s?)*$'];
const FREEZING_WILDCARD = '*a*a*a*a*a*a*a*a*a*a*a*a*a*b';

test('compileUserRegex accepts ordinary URL patterns, named groups and Unicode classes', () => {
  const fine = ['^https:\\/\\/api\\.example\\.com\\/users\\/.*$', '\\/v[12]\\/', '(?<id>\\d+)$', '(?:ab)*c', '[a-z]+@[a-z]+\\.com', '\\p{L}+', '[(a+)+]', 'x{2,5}'];
  assert.deepEqual(
    fine.map((p) => compileUserRegex(p).ok),
    fine.map(() => true),
  );
});

test('compileUserRegex refuses what RE2 cannot run in linear time, with the reason, and long patterns', () => {
  const error = (source: string, flags?: string) => {
    const r = compileUserRegex(source, flags);
    return r.ok ? 'accepted' : r.error;
  };
  const noBackreferences = 'backreferences are not supported (patterns use RE2 syntax, which always matches in linear time)';
  const noLookaround = 'lookahead and lookbehind are not supported (patterns use RE2 syntax, which always matches in linear time)';
  assert.deepEqual(
    [error('(a)\\1'), error('(?<q>a)\\k<q>'), error('a(?=b)'), error('(?<!x)y'), error('(?<=\\/)users'), error('x'.repeat(1001)), error('('), error('a', 'x'), error('a', 'ii')],
    [
      noBackreferences,
      noBackreferences,
      noLookaround,
      noLookaround,
      noLookaround,
      'the pattern is 1001 characters long; at most 1000 are accepted',
      'missing closing ): `(`',
      '"x" are not regular-expression flags (use i, m, s)',
      '"ii" are not regular-expression flags (use i, m, s)',
    ],
  );
});

test('compileUserRegex keeps i, m and s, accepts and ignores g, y, d, u, v', () => {
  const result = (source: string, flags?: string) => {
    const r = compileUserRegex(source, flags);
    return r.ok ? { source: r.regex.source, flags: r.regex.flags } : r.error;
  };
  assert.deepEqual(
    [result('a.c', 'gi'), result('a', 'y'), result('a', 'smi'), result('a', 'duv')],
    [
      { source: 'a.c', flags: 'i' },
      { source: 'a', flags: '' },
      { source: 'a', flags: 'ims' },
      { source: 'a', flags: '' },
    ],
  );
  const tests = (source: string, flags: string, text: string) => (compileUserRegex(source, flags) as { regex: { test(t: string): boolean } }).regex.test(text);
  assert.deepEqual(
    [tests('ABC', 'i', 'xabcx'), tests('ABC', '', 'xabcx'), tests('^b$', 'm', 'a\nb\nc'), tests('^b$', '', 'a\nb\nc'), tests('a.b', 's', 'a\nb'), tests('a.b', '', 'a\nb')],
    [true, false, true, false, true, false],
  );
});

test('patterns that backtrack exponentially finish at once on long inputs', () => {
  // 40 characters took a backtracking engine minutes for several of these; 20,000 must take well under a second.
  const input = `http://x.test/${'a'.repeat(20_000)}!`;
  const started = performance.now();
  const results = FREEZING_REGEXES.map((p) => (compileUserRegex(p, 'i') as { regex: { test(t: string): boolean } }).regex.test(input));
  results.push(compileWildcard(FREEZING_WILDCARD).test(input));
  const elapsed = performance.now() - started;
  assert.deepEqual(results, [true, false, false, true, false, true, false]);
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
});

test('compileWildcard matches what wildcardToRegex describes, ignoring case, and falls back from a broken stored regex', () => {
  const w = compileWildcard('https://API.example.com/users/*');
  const stored = compileWildcard('https://api.example.com/*', '(');
  assert.deepEqual(
    [w.test('https://api.example.com/users/7'), w.test('https://api.example.com/usersX'), w.source, stored.test('https://api.example.com/x'), stored.source],
    [true, false, wildcardToRegex('https://API.example.com/users/*'), true, wildcardToRegex('https://api.example.com/*')],
  );
});
