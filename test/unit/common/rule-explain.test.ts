import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceProfile } from '../../../electron/common/rule';
import { explainRule } from '../../../electron/common/rule-explain';
import { validateRule } from '../../../electron/common/rule-validate';

function explain(input: Record<string, unknown>, profiles: DeviceProfile[] = []): string {
  const r = validateRule({ id: 'r', name: 'n', ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return explainRule(r.rule, profiles);
}

test('explainRule reads each rule as one English line', () => {
  const profiles: DeviceProfile[] = [{ id: 'alice', name: "Alice's phone", clients: ['192.168.1.23'], rules: [] }];
  const url = (pattern: string, syntax = 'wildcard') => ({ type: 'url', pattern, syntax });
  const lines = [
    explain({ matchers: [{ type: 'method', method: 'get' }, url('https://api.example.com/users/*')], scope: { clients: ['127.0.0.2'] }, action: { type: 'mock', status: 500 } }),
    explain({ matchers: [{ type: 'host', host: '*.example.com' }], action: { type: 'map-remote', to: 'https://staging.example.com:8443' } }),
    explain({ matchers: [{ type: 'host', host: 'api.test' }], scope: { profile: 'alice' }, action: { type: 'map-remote', to: 'http://127.0.0.1:3000/v2', keepHostHeader: true } }, profiles),
    explain({ matchers: [url('*/checkout*')], action: { type: 'breakpoint', on: 'both' } }),
    explain({ matchers: [url('*/checkout*')], action: { type: 'breakpoint', on: 'response' } }),
    explain({ matchers: [{ type: 'method', method: 'POST' }], action: { type: 'breakpoint', on: 'request' }, scope: { clients: ['10.0.0.0/8', '::1'] } }),
    explain({ action: { type: 'breakpoint', on: 'both' } }),
    explain({ action: { type: 'breakpoint', on: 'request' } }),
    explain({ action: { type: 'mock', status: 204, delayMs: 1500 }, times: 1 }),
    explain({ matchers: [url('users/\\d+$', 'regex')], action: { type: 'mock', status: 404, delayMs: 200 }, times: 3 }),
    explain({ matchers: [{ type: 'header', name: 'X-Debug' }, { type: 'header', name: 'X-Env', value: 'qa' }], action: { type: 'mock', status: 200 } }),
    explain({ matchers: [{ type: 'method', method: 'GET' }], scope: { profile: 'gone' }, action: { type: 'mock-request', method: 'PUT', url: 'https://x.test/a', headers: [['X-A', '1'], ['X-B', '2']], body: '{}' } }),
    explain({ action: { type: 'mock-request' } }),
  ];
  assert.deepEqual(lines, [
    'Mock 500 for GET api.example.com/users/* from 127.0.0.2',
    'Send *.example.com to https://staging.example.com:8443 for every client (Host header follows)',
    'Send api.test to http://127.0.0.1:3000/v2 from profile "Alice\'s phone" (Host header kept)',
    'Pause requests and responses to */checkout* for every client',
    'Pause responses from */checkout* for every client',
    'Pause POST requests from 10.0.0.0/8 or ::1',
    'Pause every request and response for every client',
    'Pause every request for every client',
    'Mock 204 after 1.5 s for every request for every client, once',
    'Mock 404 after 200 ms for /users/\\d+$/ (regex) for every client, 3 times',
    'Mock 200 for requests with header X-Debug and X-Env containing "qa" for every client',
    'Rewrite GET requests from profile gone (not found) (set method PUT, URL https://x.test/a, headers X-A, X-B, body)',
    'Rewrite every request for every client (no changes)',
  ]);
});
