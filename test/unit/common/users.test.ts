// Roles, user names and the "my devices" filter (electron/common/users.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../../electron/common/filter';
import { deviceScopedFilter, roleAllows, userNameProblem } from '../../../electron/common/users';

test('a member may read and replay but not change rules, profiles, settings or delete flows', () => {
  const methods = ['flows.query', 'flows.replay', 'flows.pin', 'rules.list', 'rules.explain', 'rules.save', 'profiles.save', 'flows.clear', 'flows.delete', 'token.rotate', 'devices.bindCode'];
  assert.deepEqual(
    {
      member: methods.filter((m) => roleAllows('member', m)),
      admin: methods.filter((m) => roleAllows('admin', m)).length,
      readTimeout: roleAllows('member', 'breakpoints.settings', {}),
      setTimeout: roleAllows('member', 'breakpoints.settings', { timeoutMs: 1000 }),
    },
    { member: ['flows.query', 'flows.replay', 'flows.pin', 'rules.list', 'rules.explain', 'devices.bindCode'], admin: methods.length, readTimeout: true, setTimeout: false },
  );
});

test('user names: short, lower-case, and never the reserved owner', () => {
  assert.deepEqual(
    ['ana', 'qa.tess-2', 'Ana', '', 'a b', 'owner', 'x'.repeat(33)].map((n) => userNameProblem(n) === undefined),
    [true, true, false, false, false, false, false],
  );
});

test('my devices: the typed filter limited to the device addresses, and always a valid expression', () => {
  const cases = [
    deviceScopedFilter('', null),
    deviceScopedFilter('status:5xx', []),
    deviceScopedFilter('', ['127.0.0.2']),
    deviceScopedFilter('', ['127.0.0.2', '::1']),
    deviceScopedFilter('host:a.test or host:b.test', ['127.0.0.2', '127.0.0.3']),
  ];
  assert.deepEqual(cases, ['', 'status:5xx', 'ip:127.0.0.2', '(ip:127.0.0.2 or ip:::1)', '(ip:127.0.0.2 or ip:127.0.0.3) (host:a.test or host:b.test)']);
  const match = compileFilter(cases[4]);
  const summary = (ip: string, host: string) => ({ clientIp: ip, host }) as never;
  assert.deepEqual(
    [match(summary('127.0.0.2', 'a.test')), match(summary('127.0.0.3', 'b.test')), match(summary('127.0.0.4', 'a.test')), match(summary('127.0.0.2', 'c.test'))],
    [true, true, false, false],
  );
});
