import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeRegex, hasWildcard, wildcardToRegex } from '../../../electron/common/wildcard';

test('wildcardToRegex anchors, turns * and ? into .* and ., and escapes every other special character', () => {
  const cases = ['https://api.example.com/users/*', '*.example.com', 'a?c', 'a+b(c)[d]{2}|e^$\\f/g', '**x***', '', 'plain'];
  assert.deepEqual(
    cases.map((p) => wildcardToRegex(p)),
    [
      '^https:\\/\\/api\\.example\\.com\\/users\\/.*$',
      '^.*\\.example\\.com$',
      '^a.c$',
      '^a\\+b\\(c\\)\\[d\\]\\{2\\}\\|e\\^\\$\\\\f\\/g$',
      '^.*x.*$',
      '^$',
      '^plain$',
    ],
  );
});

test('wildcard regexes match literally where the pattern is literal', () => {
  const check = (pattern: string, input: string) => new RegExp(wildcardToRegex(pattern)).test(input);
  const rows: [string, string, boolean][] = [
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'apiXexample.com', false], // '.' is literal, not "any character"
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false], // '+' is literal, not "one or more"
    ['f(x)', 'f(x)', true],
    ['f(x)', 'fx', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['https://api.example.com/users/*', 'https://api.example.com/users/1?x=2', true],
    ['https://api.example.com/users/*', 'https://api.example.com/users', false],
    ['https://api.example.com/users/*', 'https://api.example.com/users/', true],
    ['[a]', '[a]', true],
    ['[a]', 'a', false],
    ['$5^', '$5^', true],
    ['*', '', true],
    ['x', 'xx', false], // anchored both ends
  ];
  assert.deepEqual(
    rows.map(([p, s]) => [p, s, check(p, s)]),
    rows,
  );
});

test('escapeRegex is safe under the u flag, hasWildcard sees * and ?', () => {
  const text = 'a-b.c+(d)/e?*[f]{g}|h^$\\';
  assert.equal(new RegExp(`^${escapeRegex(text)}$`, 'u').test(text), true);
  assert.deepEqual([hasWildcard('a*'), hasWildcard('a?'), hasWildcard('a.b')], [true, true, false]);
});
