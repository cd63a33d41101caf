import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileUserRegex, regexRisk } from '../../../electron/common/user-regex';

test('regexRisk accepts ordinary URL patterns, lookarounds and named groups', () => {
  const fine = ['^https:\\/\\/api\\.example\\.com\\/users\\/.*$', '\\/v[12]\\/', '(?<id>\\d+)$', '(?<=\\/)users', '(?<!x)y', 'a(?=b)', '(?:ab)*c', '[a-z]+@[a-z]+\\.com', '\\p{L}+', '[(a+)+]'];
  assert.deepEqual(fine.map(regexRisk), fine.map(() => undefined));
});

test('regexRisk refuses nested quantifiers, backreferences, too many quantifiers, and long patterns', () => {
  const nested =
    'the pattern could take exponential time to match (a quantifier inside a repeated group, like (a+)+, or more than 25 quantifiers), or uses syntax whose cost cannot be checked; simplify it';
  assert.deepEqual(
    ['(a+)+$', '(\\w+\\s?)*$', '((ab)*c)*', '(a)\\1', '(?<q>a)\\k<q>', 'a*'.repeat(26), 'x'.repeat(1001)].map(regexRisk),
    [
      nested,
      nested,
      nested,
      'backreferences (\\1) are refused: they can make matching take exponential time',
      'backreferences (\\k<q>) are refused: they can make matching take exponential time',
      nested,
      'the pattern is 1001 characters long; at most 1000 are accepted',
    ],
  );
});

test('compileUserRegex reports syntax errors first, drops g and y, refuses unknown flags', () => {
  const result = (source: string, flags?: string) => {
    const r = compileUserRegex(source, flags);
    return r.ok ? { source: r.regex.source, flags: r.regex.flags } : r.error;
  };
  assert.deepEqual(
    [result('a.c', 'gi'), result('a', 'y'), result('(', ''), result('a', 'x'), result('a', 'ii'), result('(a+)+', '')],
    [
      { source: 'a.c', flags: 'i' },
      { source: 'a', flags: '' },
      'Invalid regular expression: /(/: Unterminated group',
      '"x" are not regular-expression flags (use d, i, m, s, u, v)',
      '"ii" are not regular-expression flags (use d, i, m, s, u, v)',
      'the pattern could take exponential time to match (a quantifier inside a repeated group, like (a+)+, or more than 25 quantifiers), or uses syntax whose cost cannot be checked; simplify it',
    ],
  );
});
