import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTargetUrl, validateDeviceProfile, validateRule } from '../../../electron/common/rule-validate';

const base = { id: 'r1', name: 'Users mock', matchers: [], action: { type: 'breakpoint', on: 'both' } };

test('validateRule returns a clean rule: defaults filled, unknown fields dropped, wildcards compiled', () => {
  const result = validateRule({
    id: 'r1',
    name: '  Users mock ',
    junk: 'dropped',
    scope: { clients: [' 127.0.0.2', '10.0.0.0/8'] },
    matchers: [
      { type: 'url', pattern: 'https://api.example.com/users/*', regex: 'ignored' },
      { type: 'url', pattern: 'users/\\d+$', syntax: 'regex' },
      { type: 'method', method: 'get' },
      { type: 'host', host: 'API.Example.com' },
      { type: 'header', name: 'X-Debug', value: '' },
    ],
    action: { type: 'mock', status: 500, body: '{"error":true}', delayMs: 250 },
    times: 3,
    version: 7,
  });
  assert.deepEqual(result, {
    ok: true,
    rule: {
      id: 'r1',
      name: 'Users mock',
      enabled: true,
      priority: 0,
      scope: { clients: ['127.0.0.2', '10.0.0.0/8'] },
      matchers: [
        { type: 'url', pattern: 'https://api.example.com/users/*', syntax: 'wildcard', regex: '^https:\\/\\/api\\.example\\.com\\/users\\/.*$' },
        { type: 'url', pattern: 'users/\\d+$', syntax: 'regex', regex: 'users/\\d+$' },
        { type: 'method', method: 'GET' },
        { type: 'host', host: 'api.example.com' },
        { type: 'header', name: 'X-Debug' },
      ],
      action: { type: 'mock', status: 500, headers: [], body: '{"error":true}', delayMs: 250 },
      times: 3,
      version: 7,
    },
  });
  assert.deepEqual(validateRule({ ...base, action: { type: 'map-remote', to: 'https://staging.example.com:8443/v2', keepHostHeader: true } }), {
    ok: true,
    rule: { id: 'r1', name: 'Users mock', enabled: true, priority: 0, scope: {}, matchers: [], action: { type: 'map-remote', to: 'https://staging.example.com:8443/v2', keepHostHeader: true } },
  });
  assert.deepEqual(validateRule({ ...base, enabled: false, priority: -5, scope: { profile: 'alice' }, action: { type: 'mock-request', method: 'put', url: 'https://x.test/a?b=1', headers: [['X-A', '1']], body: 'aGk=', bodyEncoding: 'base64' } }), {
    ok: true,
    rule: { id: 'r1', name: 'Users mock', enabled: false, priority: -5, scope: { profile: 'alice' }, matchers: [], action: { type: 'mock-request', method: 'PUT', url: 'https://x.test/a?b=1', headers: [['X-A', '1']], body: 'aGk=', bodyEncoding: 'base64' } },
  });
});

test('validateRule names every bad field with a reason', () => {
  const errors = (input: unknown) => {
    const r = validateRule(input);
    return r.ok ? 'ok' : r.errors;
  };
  assert.deepEqual(
    [
      errors('nope'),
      errors({}),
      errors({ ...base, name: '   ' }),
      errors({ ...base, matchers: [{ type: 'url', pattern: 'a(?=b)', syntax: 'regex' }, { type: 'url', pattern: 'a(', syntax: 'regex' }, { type: 'url', pattern: '(a)\\1', syntax: 'regex' }] }),
      errors({ ...base, matchers: [{ type: 'cookie', name: 'x' }, { type: 'method', method: 'GE T' }, { type: 'host', host: 'https://x.test/' }, { type: 'header', name: '' }, 'x'] }),
      errors({ ...base, matchers: [{ type: 'url', pattern: 'x'.repeat(1001) }, { type: 'url', pattern: '*', syntax: 'glob' }] }),
      errors({ ...base, action: { type: 'mock', status: 600, headers: [['Bad Name', 'x'], ['X', 'a\r\nb'], 'x'], delayMs: -1 } }),
      errors({ ...base, action: { type: 'mock', status: 99.5, body: 'not base64!', bodyEncoding: 'base64' } }),
      errors({ ...base, action: { type: 'map-remote', to: 'ftp://x.test' } }),
      errors({ ...base, action: { type: 'map-remote', to: 'https://x.test/a?b=1' } }),
      errors({ ...base, action: { type: 'map-remote', to: 'https://x.test:99999' } }),
      errors({ ...base, action: { type: 'map-remote', to: 'https://user:pw@x.test' } }),
      errors({ ...base, action: { type: 'map-remote', to: 'staging.example.com' } }),
      errors({ ...base, action: { type: 'map-remote', to: 'https://bad_host!/' } }),
      errors({ ...base, action: { type: 'mock-request', url: '/relative' } }),
      errors({ ...base, action: { type: 'teleport' } }),
      errors({ ...base, action: { type: 'breakpoint', on: 'never' } }),
      errors({ ...base, scope: { clients: ['127.0.0.1', '10.0.0.0/33', 5] } }),
      errors({ ...base, scope: 'all', times: -1, enabled: 'yes', priority: 'high' }),
      errors({ ...base, times: 0, version: 1.5 }),
    ],
    [
      [{ field: 'rule', message: 'must be an object' }],
      [
        { field: 'id', message: 'is required' },
        { field: 'name', message: 'is required' },
        { field: 'action', message: 'must be an object with a "type" (mock, mock-request, map-remote, map-local, rewrite, breakpoint, conditions, ws-message, passthrough, do-not-record, upstream-proxy, client-certificate)' },
      ],
      [{ field: 'name', message: 'must not be empty' }],
      [
        { field: 'matchers[0].pattern', message: 'lookahead and lookbehind are not supported (patterns use RE2 syntax, which always matches in linear time)' },
        { field: 'matchers[1].pattern', message: 'missing closing ): `a(`' },
        { field: 'matchers[2].pattern', message: 'backreferences are not supported (patterns use RE2 syntax, which always matches in linear time)' },
      ],
      [
        { field: 'matchers[0].type', message: 'unknown matcher type "cookie"; use one of url, method, host, header' },
        { field: 'matchers[1].method', message: '"GE T" is not a method name' },
        { field: 'matchers[2].host', message: '"https://x.test/" is not a host name (write it without scheme, port or path; * and ? are wildcards)' },
        { field: 'matchers[3].name', message: 'must not be empty' },
        { field: 'matchers[4]', message: 'must be an object with a "type" (url, method, host, header)' },
      ],
      [
        { field: 'matchers[0].pattern', message: 'is 1001 characters long; at most 1000 are accepted' },
        { field: 'matchers[1].syntax', message: 'must be one of "wildcard", "regex", not "glob"' },
      ],
      [
        { field: 'action.status', message: 'must be from 100 to 599 (an HTTP status), not 600' },
        { field: 'action.headers[0]', message: '"Bad Name" is not a valid header name' },
        { field: 'action.headers[1]', message: 'a header value must not contain line breaks' },
        { field: 'action.headers[2]', message: 'must be a [name, value] pair of texts' },
        { field: 'action.delayMs', message: 'must be a number of milliseconds, 0 or more, not -1' },
      ],
      [
        { field: 'action.status', message: 'must be a whole number (an HTTP status), not 99.5' },
        { field: 'action.body', message: 'is not valid base64 (bodyEncoding is "base64")' },
      ],
      [{ field: 'action.to', message: 'must start with http:// or https://, not ftp://' }],
      [{ field: 'action.to', message: 'must not have a query or fragment (only scheme, host, port and a path prefix)' }],
      [{ field: 'action.to', message: 'port "99999" must be from 1 to 65535' }],
      [{ field: 'action.to', message: 'must not contain a user name or password' }],
      [{ field: 'action.to', message: 'must be an absolute URL like https://staging.example.com:8443/prefix' }],
      [{ field: 'action.to', message: '"bad_host!" is not a valid host name' }],
      [{ field: 'action.url', message: 'must be an absolute http:// or https:// URL' }],
      [{ field: 'action.type', message: 'unknown action type "teleport"; use one of mock, mock-request, map-remote, map-local, rewrite, breakpoint, conditions, ws-message, passthrough, do-not-record, upstream-proxy, client-certificate' }],
      [{ field: 'action.on', message: 'must be one of "request", "response", "both", not "never"' }],
      [
        { field: 'scope.clients[1]', message: 'CIDR prefix /33 is longer than 32 bits for IPv4' },
        { field: 'scope.clients[2]', message: 'must be text, not a number' },
      ],
      [
        { field: 'enabled', message: 'must be true or false, not a string' },
        { field: 'priority', message: 'must be a number, not "high"' },
        { field: 'scope', message: 'must be an object with clients and/or profile' },
        { field: 'times', message: 'must be a whole number, 1 or more (how many times the rule applies; leave it out for always), not -1' },
      ],
      [
        { field: 'times', message: 'must be a whole number, 1 or more (how many times the rule applies; leave it out for always), not 0' },
        { field: 'version', message: 'must be a whole number, 0 or more (the save counter), not 1.5' },
      ],
    ],
  );
});

test('checkTargetUrl accepts http(s)://host[:port][/prefix] only', () => {
  const inputs = ['https://staging.example.com:8443', 'http://127.0.0.1:8080/api', 'https://[::1]:8443/', 'HTTPS://X.TEST', 'https://x.test:0', 'https://', 'https://x..test', 'https://[nope]'];
  assert.deepEqual(inputs.map(checkTargetUrl), [
    undefined,
    undefined,
    undefined,
    undefined,
    'port "0" must be from 1 to 65535',
    'needs a host name',
    '"x..test" is not a valid host name',
    '"[nope]" is not a valid host name',
  ]);
});

test('validateDeviceProfile checks clients and every carried rule, with paths', () => {
  assert.deepEqual(validateDeviceProfile({ id: 'p1', name: "Alice's phone", clients: ['192.168.1.23'], rules: [base] }), {
    ok: true,
    profile: {
      id: 'p1',
      name: "Alice's phone",
      clients: ['192.168.1.23'],
      rules: [{ id: 'r1', name: 'Users mock', enabled: true, priority: 0, scope: {}, matchers: [], action: { type: 'breakpoint', on: 'both' } }],
    },
  });
  assert.deepEqual(validateDeviceProfile({ id: 'p1', name: 'x', clients: ['999.1.1.1'], rules: [{ ...base, scope: { clients: ['x'] }, action: { type: 'mock', status: 42 } }] }), {
    ok: false,
    errors: [
      { field: 'clients[0]', message: '"999.1.1.1" is not an IPv4 or IPv6 address' },
      { field: 'rules[0].scope.clients[0]', message: '"x" is not an IPv4 or IPv6 address' },
      { field: 'rules[0].action.status', message: 'must be from 100 to 599 (an HTTP status), not 42' },
    ],
  });
});
