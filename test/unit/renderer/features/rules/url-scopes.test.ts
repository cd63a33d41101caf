import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scopeMatcher, scopeOf, type UrlScope } from '../../../../../renderer/src/features/rules/url-scopes';
import { compileRule } from '../../../../../electron/common/rule-match';
import { validateRule } from '../../../../../electron/common/rule-validate';

const BASE = 'https://api.example.test:8443';
const CANDIDATES = [
  '/api/users',
  '/api/users?page=2',
  '/api/users?page=3&size=10',
  '/API/Users?page=2',
  '/api/usersX',
  '/api/usersX?page=2',
  '/api/users/',
  '/api/users/7',
  '/api/users/7?x=1',
  '/api',
  '/other',
];

/** Which candidate paths the scope's condition takes, run through the rules engine's own matcher. */
function taken(url: string, scope: UrlScope, candidates = CANDIDATES, base = BASE): string[] {
  const checked = validateRule({ id: 'r', name: 'r', matchers: [scopeMatcher(url, scope)], action: { type: 'breakpoint', on: 'request' } });
  assert.ok(checked.ok, JSON.stringify(checked));
  const compiled = compileRule(checked.rule);
  return candidates.filter((path) => compiled.matchesRequest({ method: 'GET', url: base + path, headers: [] }));
}

test('each URL scope of /api/users?page=2 takes exactly the requests it names (issue 13)', () => {
  const url = `${BASE}/api/users?page=2`;
  assert.deepEqual(
    {
      patterns: (['exact', 'path', 'below'] as const).map((scope) => scopeMatcher(url, scope)),
      exact: taken(url, 'exact'),
      path: taken(url, 'path'),
      below: taken(url, 'below'),
      otherPort: taken(url, 'below', ['/api/users'], 'https://api.example.test'),
    },
    {
      patterns: [
        { type: 'url', pattern: '^https://api\\.example\\.test:8443/api/users\\?page=2$', syntax: 'regex' },
        { type: 'url', pattern: '^https://api\\.example\\.test:8443/api/users($|\\?)', syntax: 'regex' },
        { type: 'url', pattern: '^https://api\\.example\\.test:8443/api/users($|[/?])', syntax: 'regex' },
      ],
      // URLs match without case in every rule, so the capitalised one is the same URL to the proxy.
      exact: ['/api/users?page=2', '/API/Users?page=2'],
      path: ['/api/users', '/api/users?page=2', '/api/users?page=3&size=10', '/API/Users?page=2'],
      below: ['/api/users', '/api/users?page=2', '/api/users?page=3&size=10', '/API/Users?page=2', '/api/users/', '/api/users/7', '/api/users/7?x=1'],
      otherPort: [],
    },
  );
});

test('scopes of a root URL, a trailing slash and a fragment; the scope a condition stands for', () => {
  const root = `${BASE}/`;
  const slash = `${BASE}/api/users/`;
  assert.deepEqual(
    {
      rootBelow: taken(root, 'below'),
      rootPath: taken(root, 'path', ['/', '/?q=1', '/api']),
      slashBelow: taken(slash, 'below'),
      fragmentExact: scopeMatcher(`${BASE}/a?b=1#top`, 'exact').pattern,
      scopeOf: [scopeOf(scopeMatcher(slash, 'path'), slash), scopeOf({ type: 'url', pattern: '^edited$', syntax: 'regex' }, slash), scopeOf({ type: 'method', method: 'GET' }, slash)],
    },
    {
      rootBelow: CANDIDATES,
      rootPath: ['/', '/?q=1'],
      slashBelow: ['/api/users', '/api/users?page=2', '/api/users?page=3&size=10', '/API/Users?page=2', '/api/users/', '/api/users/7', '/api/users/7?x=1'],
      fragmentExact: '^https://api\\.example\\.test:8443/a\\?b=1$',
      scopeOf: ['path', undefined, undefined],
    },
  );
});
