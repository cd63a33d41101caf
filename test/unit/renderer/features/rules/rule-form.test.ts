import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../../../../../electron/common/rule';
import { parseIpRange } from '../../../../../electron/common/cidr';
import { validateRule } from '../../../../../electron/common/rule-validate';
import { wildcardToRegex } from '../../../../../electron/common/wildcard';
import { checkForm, clientMessages, draftOf, emptyForm, formFromRule, originPattern, rowMessages } from '../../../../../renderer/src/features/rules/rule-form';

const base = { enabled: true, priority: 3, scope: {}, version: 2 };
const RULES: Rule[] = [
  {
    ...base,
    id: 'r1',
    name: 'Mock',
    matchers: [
      { type: 'method', method: 'POST' },
      { type: 'url', pattern: 'https://api.example.com/users/*', syntax: 'wildcard' },
      { type: 'header', name: 'X-Debug', value: 'on' },
    ],
    action: { type: 'mock', status: 503, headers: [['Content-Type', 'application/json']], body: '{"down":true}', delayMs: 250 },
    scope: { clients: ['127.0.0.2', '10.0.0.0/24'] },
    times: 3,
  },
  {
    ...base,
    id: 'r2',
    name: 'Rewrite',
    matchers: [{ type: 'host', host: 'api.example.com' }],
    action: { type: 'mock-request', method: 'PUT', headers: [['X-A', '1']], body: 'AAEC', bodyEncoding: 'base64' },
    scope: { profile: 'p1' },
  },
  { ...base, id: 'r3', name: 'Map', matchers: [{ type: 'url', pattern: '^https://a\\.test/', syntax: 'regex' }], action: { type: 'map-remote', to: 'https://staging.test:8443/v2', keepHostHeader: true } },
  { ...base, id: 'r4', name: 'Pause', matchers: [], action: { type: 'breakpoint', on: 'response' }, enabled: false },
  {
    ...base,
    id: 'r5',
    name: 'gRPC',
    matchers: [{ type: 'url', pattern: '*/demo.v1.Greeter/SayHello', syntax: 'wildcard' }],
    action: { type: 'mock', status: 200, headers: [], body: '', grpc: { status: 14, message: 'down', json: '{"message":"hi"}' } },
  },
];

test('a stored rule goes through the form and back to the same rule', () => {
  const back = RULES.map((rule) => {
    const checked = validateRule(draftOf(formFromRule(rule)));
    assert.ok(checked.ok, JSON.stringify(checked));
    return checked.rule;
  });
  const expected = RULES.map(({ version: _version, ...rule }) => validateRule(rule)).map((c) => (c.ok ? c.rule : undefined));
  assert.deepEqual(back, expected);
});

test('the form checks as typed, and sorts the messages to their fields', () => {
  const form = emptyForm();
  form.name = 'Typed';
  form.matchers = [{ type: 'url', pattern: 'http://x.test/*', syntax: 'wildcard' }];
  form.mock.status = 'abc';
  form.mock.headers = [
    ['Content-Type', 'text/plain'],
    ['Bad Name', 'x'],
  ];
  form.clients = '10.0.0.1, 300.1.1.1';
  form.times = '0';
  const check = checkForm(form, []);
  assert.equal(check.ok, false);
  const errors = check.ok ? [] : check.errors;
  const expectedClient = parseIpRange('300.1.1.1');
  assert.deepEqual(
    {
      fields: errors.map((e) => e.field),
      headers: rowMessages(errors, 'action.headers'),
      clients: clientMessages(errors, form.clients),
    },
    {
      fields: ['scope.clients[1]', 'action.status', 'action.headers[1]', 'times'],
      headers: { 1: '"Bad Name" is not a valid header name' },
      clients: [`300.1.1.1: ${expectedClient.ok ? '' : expectedClient.error}`],
    },
  );

  form.mock.status = '503';
  form.mock.headers = [['Content-Type', 'text/plain']];
  form.clients = '127.0.0.2';
  form.times = '';
  form.matchers.unshift({ type: 'method', method: 'get' });
  assert.deepEqual(checkForm(form, []), {
    ok: true,
    rule: {
      id: 'unsaved',
      name: 'Typed',
      enabled: true,
      priority: 0,
      scope: { clients: ['127.0.0.2'] },
      matchers: [
        { type: 'method', method: 'GET' },
        { type: 'url', pattern: 'http://x.test/*', syntax: 'wildcard', regex: wildcardToRegex('http://x.test/*') },
      ],
      action: { type: 'mock', status: 503, headers: [['Content-Type', 'text/plain']], body: '' },
    },
    explanation: 'Mock 503 for GET x.test/* from 127.0.0.2',
  });
});

test('the origin pattern of map remote, from a captured URL', () => {
  assert.deepEqual([originPattern('https://api.example.com:8443/users/42?x'), originPattern('http://h.test/')], ['https://api.example.com:8443/*', 'http://h.test/*']);
});
