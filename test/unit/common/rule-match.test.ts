import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeviceProfile, Rule } from '../../../electron/common/rule';
import { compileRule, matchesRule, type RuleRequest } from '../../../electron/common/rule-match';
import { validateRule } from '../../../electron/common/rule-validate';

function rule(input: Record<string, unknown>): Rule {
  const r = validateRule({ id: 'r', name: 'test', action: { type: 'breakpoint', on: 'both' }, ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.rule;
}

const req = (url: string, extra: Partial<RuleRequest> = {}): RuleRequest => ({ method: 'GET', url, headers: [], clientIp: '127.0.0.1', ...extra });

test('a wildcard URL matcher and a regex matcher holding its regex match the same URLs', () => {
  const wildcard = rule({ matchers: [{ type: 'url', pattern: 'https://api.example.com/users/*' }] });
  const url = wildcard.matchers[0];
  assert.equal(url.type, 'url');
  const regex = rule({ matchers: [{ type: 'url', syntax: 'regex', pattern: url.type === 'url' ? url.regex : '' }] });
  const fixed = [
    'https://api.example.com/users/1',
    'https://api.example.com/users/',
    'https://API.example.com/Users/1?x=2',
    'https://api.example.com/users',
    'http://api.example.com/users/1',
    'https://api.example.com.evil.test/users/1',
    'https://apiXexample.com/users/1',
    'https://api.example.com:8443/users/1',
  ];
  assert.deepEqual(
    fixed.map((u) => [u, matchesRule(wildcard, req(u), [])]),
    [
      ['https://api.example.com/users/1', true],
      ['https://api.example.com/users/', true],
      ['https://API.example.com/Users/1?x=2', true],
      ['https://api.example.com/users', false],
      ['http://api.example.com/users/1', false],
      ['https://api.example.com.evil.test/users/1', false],
      ['https://apiXexample.com/users/1', false],
      ['https://api.example.com:8443/users/1', false],
    ],
  );
  const urls = fc.tuple(
    fc.constantFrom('https://', 'http://', 'HTTPS://'),
    fc.constantFrom('api.example.com', 'API.EXAMPLE.COM', 'apiXexample.com', 'api.example.com:8443'),
    fc.constantFrom('/users/', '/users', '/Users/', '/orders/', ''),
    fc.string({ maxLength: 8 }),
  ).map((parts) => parts.join(''));
  fc.assert(
    fc.property(urls, (u) => matchesRule(wildcard, req(u), []) === matchesRule(regex, req(u), [])),
    { numRuns: 300, seed: 7 },
  );
});

test('method, host and header matchers; all matchers must match', () => {
  const r = rule({
    matchers: [
      { type: 'method', method: 'post' },
      { type: 'host', host: '*.example.com' },
      { type: 'header', name: 'x-env', value: 'QA' },
    ],
  });
  const headers: [string, string][] = [['X-Env', 'staging-qa-2']];
  const rows: [string, RuleRequest][] = [
    ['all match', req('https://api.example.com/a', { method: 'POST', headers })],
    ['method case-insensitive', req('https://api.example.com/a', { method: 'post', headers })],
    ['wrong method', req('https://api.example.com/a', { method: 'GET', headers })],
    ['host with port still matches', req('https://api.example.com:8443/a', { method: 'POST', headers })],
    ['bare domain is not *.example.com', req('https://example.com/a', { method: 'POST', headers })],
    ['header missing', req('https://api.example.com/a', { method: 'POST' })],
    ['header value not contained', req('https://api.example.com/a', { method: 'POST', headers: [['X-Env', 'prod']] })],
    ['second header of the name matches', req('https://api.example.com/a', { method: 'POST', headers: [['x-env', 'prod'], ['X-ENV', 'qa']] })],
  ];
  assert.deepEqual(
    rows.map(([what, q]) => [what, matchesRule(r, q, [])]),
    [
      ['all match', true],
      ['method case-insensitive', true],
      ['wrong method', false],
      ['host with port still matches', true],
      ['bare domain is not *.example.com', false],
      ['header missing', false],
      ['header value not contained', false],
      ['second header of the name matches', true],
    ],
  );
  const exactHost = rule({ matchers: [{ type: 'host', host: 'API.example.com' }, { type: 'header', name: 'Authorization' }] });
  assert.deepEqual(
    [
      matchesRule(exactHost, req('http://api.example.com/', { headers: [['authorization', 'Bearer x']] }), []),
      matchesRule(exactHost, req('http://api.example.com/'), []),
      matchesRule(exactHost, req('http://www.api.example.com/', { headers: [['Authorization', '']] }), []),
    ],
    [true, false, false],
  );
});

test('scope: every client when empty, IPs and CIDRs (IPv4-mapped too), device profiles, disabled rules', () => {
  const profiles: DeviceProfile[] = [
    { id: 'alice', name: "Alice's phone", clients: ['192.168.1.23', 'fd00::/8'], rules: [] },
    { id: 'bob', name: "Bob's tablet", clients: ['192.168.1.40'], rules: [] },
  ];
  const everyone = rule({});
  const byIp = rule({ scope: { clients: ['127.0.0.2', '10.0.0.0/8'] } });
  const byProfile = rule({ scope: { profile: 'alice' } });
  const both = rule({ scope: { clients: ['127.0.0.2'], profile: 'bob' } });
  const missingProfile = rule({ scope: { profile: 'carol' } });
  const disabled = rule({ enabled: false });
  const clients = ['127.0.0.2', '::ffff:127.0.0.2', '127.0.0.3', '10.200.0.9', '192.168.1.23', 'fd00::5', '192.168.1.40', '::1'];
  const table = (r: Rule) => clients.filter((ip) => matchesRule(r, req('http://x.test/', { clientIp: ip }), profiles));
  assert.deepEqual(
    { everyone: table(everyone), byIp: table(byIp), byProfile: table(byProfile), both: table(both), missingProfile: table(missingProfile), disabled: table(disabled) },
    {
      everyone: clients,
      byIp: ['127.0.0.2', '::ffff:127.0.0.2', '10.200.0.9'],
      byProfile: ['192.168.1.23', 'fd00::5'],
      both: ['127.0.0.2', '::ffff:127.0.0.2', '192.168.1.40'],
      missingProfile: [],
      disabled: [],
    },
  );
  // A profile's clients are read when it changes (new object or new list), not cached forever.
  const moved = profiles.map((p) => (p.id === 'alice' ? { ...p, clients: ['127.0.0.3'] } : p));
  assert.equal(matchesRule(byProfile, req('http://x.test/', { clientIp: '127.0.0.3' }), moved), true);
});

test('compileRule caches per id + version, and per object when there is no version', () => {
  const v1 = rule({ version: 1, matchers: [{ type: 'method', method: 'GET' }] });
  const v1Copy = structuredClone(v1);
  const v2 = { ...v1, version: 2 };
  const unversioned = rule({});
  assert.deepEqual(
    [compileRule(v1) === compileRule(v1Copy), compileRule(v1) === compileRule(v2), compileRule(unversioned) === compileRule(unversioned), compileRule(unversioned) === compileRule({ ...unversioned })],
    [true, false, true, false],
  );
});

test('compileRule refuses a rule that skipped validation with a regex RE2 cannot run', () => {
  const raw: Rule = { id: 'raw', name: 'raw', enabled: true, priority: 0, scope: {}, matchers: [{ type: 'url', syntax: 'regex', pattern: '(a)\\1$' }], action: { type: 'breakpoint', on: 'both' } };
  assert.throws(() => compileRule(raw), /URL pattern "\(a\)\\\\1\$" cannot run: backreferences are not supported/);
});
