import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Rule } from '../../../../electron/common/rule';
import { RuleBook } from '../../../../electron/core/rules/rule-book';

const mock = (id: string, extra: Partial<Rule> = {}) => ({
  id,
  name: `mock ${id}`,
  matchers: [{ type: 'url', pattern: `http://api.test/${id}`, syntax: 'wildcard' }],
  action: { type: 'mock', status: 200, headers: [], body: id },
  ...extra,
});
const ids = (store: RuleBook) => store.list().map((r) => r.rule.id);

describe('RuleBook', () => {
  let dir: string;
  let store: RuleBook;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    store = new RuleBook(dir);
    await store.ready;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an invalid rule with code invalid-rule, naming each field', async () => {
    const err = await store
      .save({ name: 'bad', matchers: [{ type: 'url', pattern: '(a)\\1$', syntax: 'regex' }], action: { type: 'mock', status: 99, headers: [], body: '' } })
      .then(() => undefined, (e: unknown) => e as { code: string; fields: { field: string }[]; message: string });
    assert.ok(err);
    assert.deepEqual({ code: err.code, fields: err.fields.map((f) => f.field) }, { code: 'invalid-rule', fields: ['matchers[0].pattern', 'action.status'] });
    assert.match(err.message, /matchers\[0\]\.pattern: backreferences are not supported/);
    assert.deepEqual(store.list(), []);
  });

  it('keeps new rules last, reorders within their places, and persists order, versions and hits', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await store.save(mock(id));
    assert.deepEqual(ids(store), ['a', 'b', 'c', 'd']);
    await store.reorder(['d', 'b']);
    assert.deepEqual(ids(store), ['a', 'd', 'c', 'b']);
    assert.deepEqual(store.list().map((r) => r.rule.priority), [0, 1, 2, 3]);
    await store.save({ ...mock('e'), priority: -1 });
    assert.equal(store.hit(store.get('c')!), true);
    await store.close();
    store = new RuleBook(dir);
    await store.ready;
    assert.deepEqual(
      store.list().map((r) => [r.rule.id, r.rule.version, r.hits]),
      [['e', 1, 0], ['a', 1, 0], ['d', 1, 0], ['c', 1, 1], ['b', 1, 0]],
    );
    assert.deepEqual(store.ruleSet().match({ clientIp: '127.0.0.1', method: 'GET', url: 'http://api.test/c', headers: [] })?.mock?.id, 'c');
  });

  it('counts times, stops matching when used up, and re-arms on save', async () => {
    await store.save(mock('once', { times: 2 }));
    const req = { clientIp: '127.0.0.1', method: 'GET', url: 'http://api.test/once', headers: [] as [string, string][] };
    const rule = store.get('once')!;
    assert.deepEqual([store.hit(rule), store.hit(rule), store.hit(rule)], [true, true, false]);
    assert.equal(store.ruleSet().match(req), undefined);
    assert.deepEqual(
      store.list().map(({ hits, exhausted, explanation }) => ({ hits, exhausted, explanation })),
      [{ hits: 2, exhausted: true, explanation: 'Mock 200 for api.test/once for every client, 2 times' }],
    );
    await store.save(store.get('once')!);
    assert.deepEqual(store.list().map((r) => [r.hits, r.rule.version]), [[0, 2]]);
    assert.equal(store.ruleSet().match(req)?.mock?.id, 'once');
  });

  it('binds rules to device profiles, refuses unknown ones, and deletes a profile with its rules', async () => {
    const refused = await store.save(mock('x', { scope: { profile: 'nope' } })).catch((e: { fields: unknown }) => e.fields);
    assert.deepEqual(refused, [{ field: 'scope.profile', message: 'no device profile with id "nope"' }]);
    const phone = await store.saveProfile({ id: 'phone', name: 'Phone', clients: ['127.0.0.2'], rules: [mock('p1'), mock('p2')] });
    await store.save(mock('global'));
    assert.deepEqual(
      { rules: phone.rules.map((r) => [r.id, r.scope]), all: ids(store) },
      { rules: [['p1', { profile: 'phone' }], ['p2', { profile: 'phone' }]], all: ['p1', 'p2', 'global'] },
    );
    const match = (ip: string) => store.ruleSet().match({ clientIp: ip, method: 'GET', url: 'http://api.test/p1', headers: [] })?.mock?.id;
    assert.deepEqual([match('127.0.0.2'), match('127.0.0.3')], ['p1', undefined]);
    const badProfile = await store.saveProfile({ name: 'Bad', clients: ['300.0.0.1'], rules: [{ ...mock('q'), action: { type: 'map-remote', to: 'ftp://x' } }] }).catch((e: { fields: { field: string }[] }) => e.fields.map((f) => f.field));
    assert.deepEqual(badProfile, ['clients[0]', 'rules[0].action.to']);
    assert.equal(await store.deleteProfile('phone'), true);
    assert.deepEqual({ all: ids(store), profiles: store.profileList() }, { all: ['global'], profiles: [] });
  });

  it('saves a batch all-or-nothing with the index in each field name', async () => {
    const err = await store.saveAll([mock('ok'), { ...mock('bad'), action: { type: 'mock', status: 'x', headers: [], body: '' } }]).catch((e: { fields: unknown }) => e.fields);
    assert.deepEqual(err, [{ field: '[1].action.status', message: 'must be a whole number (an HTTP status), not "x"' }]);
    assert.deepEqual(store.list(), []);
  });
});

describe('RuleBook on a damaged file', () => {
  it('drops a torn last record, and moves an unreadable file aside, starting without its rules', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    try {
      let store = new RuleBook(dir);
      await store.ready;
      await store.save(mock('kept'));
      await store.close();
      const file = path.join(dir, 'rules.db');
      fs.appendFileSync(file, '{"_id":"rule:torn","kind":"ru');
      store = new RuleBook(dir);
      await store.ready;
      const torn = { ids: ids(store), warnings: store.state().warnings };
      await store.close();
      fs.writeFileSync(file, 'not json\n'.repeat(20));
      store = new RuleBook(dir);
      await store.ready;
      const refused = { ids: ids(store), warnings: store.state().warnings.map((w) => w.replace(/rules\.db\.corrupt-[\w-]+/, 'ASIDE').replace(dir, 'DIR')) };
      await store.close();
      assert.deepEqual([torn, refused.ids, refused.warnings.length, /moved to DIR\/ASIDE/.test(refused.warnings[0])], [
        { ids: ['kept'], warnings: ['The rules file ended with an unfinished record (Hindsight was stopped abruptly); that record was dropped.'] },
        [],
        1,
        true,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
