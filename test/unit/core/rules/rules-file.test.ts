import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { toProfileExport } from '../../../../electron/common/profile-share';
import { loadRulesFile } from '../../../../electron/core/rules/rules-file';
import { RuleBook } from '../../../../electron/core/rules/rule-book';

const rule = (name: string, status: unknown = 200) => ({ name, matchers: [{ type: 'host', host: 'api.test' }], action: { type: 'mock', status, headers: [], body: name } });

describe('--rules FILE', () => {
  let dir: string;
  let store: RuleBook;
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    store = new RuleBook(path.join(dir, 'data'));
    await store.ready;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads an array of rules, and loading it again replaces rather than piles up', async () => {
    const file = write('rules.json', [rule('a'), { ...rule('b'), id: 'mine' }]);
    assert.deepEqual(await loadRulesFile(store, file), { rules: 2 });
    assert.deepEqual(await loadRulesFile(store, file), { rules: 2 });
    assert.deepEqual(store.list().map((r) => [r.rule.id, r.rule.name]), [['rules.json#0', 'a'], ['mine', 'b']]);
  });

  it('loads ws-message rules, and names a bad field of one', async () => {
    const ws = { name: 'ws', matchers: [], action: { type: 'ws-message', direction: 'to-client', find: 'debug', effect: 'drop' } };
    assert.deepEqual(await loadRulesFile(store, write('ws.json', [ws])), { rules: 1 });
    assert.deepEqual(store.list()[0].rule.action, { type: 'ws-message', direction: 'to-client', find: 'debug', syntax: 'text', effect: 'drop' });
    const bad = write('bad.json', [{ ...ws, action: { ...ws.action, direction: 'up' } }]);
    await assert.rejects(loadRulesFile(store, bad), { message: `${bad}: refused, nothing was loaded:\n  rules[0].action.direction: must be one of "to-server", "to-client", "both", not "up"` });
  });

  it('loads a profile export with its clients', async () => {
    const doc = toProfileExport({ id: 'qa', name: 'QA phone', clients: ['127.0.0.2'], rules: [rule('p') as never] }, 0);
    assert.deepEqual(await loadRulesFile(store, write('qa.json', doc)), { rules: 1, profile: 'QA phone' });
    assert.deepEqual(store.profileList().map((p) => [p.id, p.clients, p.rules.map((r) => r.scope)]), [['qa', ['127.0.0.2'], [{ profile: 'qa' }]]]);
  });

  it('loads a profile with network conditions and a conditions rule; bad conditions are refused naming the field', async () => {
    const slow = { name: 'slow api', matchers: [{ type: 'host', host: 'api.test' }], action: { type: 'conditions', conditions: { preset: '2g' } } };
    const doc = { ...toProfileExport({ id: 'qa', name: 'QA phone', clients: ['127.0.0.2'], rules: [slow as never] }, 0), profile: { id: 'qa', name: 'QA phone', clients: ['127.0.0.2'], conditions: { preset: '3g', stallPercent: 5 } } };
    assert.deepEqual(await loadRulesFile(store, write('qa.json', doc)), { rules: 1, profile: 'QA phone' });
    const [profile] = store.profileList();
    assert.deepEqual(
      { conditions: profile.conditions, action: profile.rules[0].action },
      {
        conditions: { downloadKbps: 1600, uploadKbps: 768, latencyMs: 300, connectLatencyMs: 300, jitterMs: 50, stallPercent: 5 },
        action: { type: 'conditions', conditions: { preset: '2g', downloadKbps: 280, uploadKbps: 256, latencyMs: 800, connectLatencyMs: 800, jitterMs: 100 } },
      },
    );
    const bad = write('bad-qa.json', { ...doc, profile: { ...doc.profile, conditions: { latencyMs: -5 } } });
    assert.equal(
      await loadRulesFile(store, bad).then(() => 'loaded', (e: Error) => e.message.replaceAll(dir + path.sep, '')),
      'bad-qa.json: refused, nothing was loaded:\n  conditions.latencyMs: must be from 0 to 60,000 (latency per request in ms), not -5',
    );
  });

  it('refuses a bad file as a whole, naming the rule index and field', async () => {
    const errors = [];
    for (const [name, content] of [
      ['bad.json', [rule('ok'), rule('bad', 999), { name: 'x', action: { type: 'nope' } }]],
      ['broken.json', '[{'],
      ['object.json', { rules: [] }],
    ] as const) {
      errors.push(await loadRulesFile(store, write(name, content)).then(() => 'loaded', (e: Error) => e.message.replaceAll(dir + path.sep, '')));
    }
    errors.push(await loadRulesFile(store, path.join(dir, 'missing.json')).then(() => 'loaded', (e: Error) => e.message.replaceAll(dir + path.sep, '')));
    assert.deepEqual(errors, [
      'bad.json: refused, nothing was loaded:\n  rules[1].action.status: must be from 100 to 599 (an HTTP status), not 999\n  rules[2].action.type: unknown action type "nope"; use one of mock, mock-request, map-remote, map-local, rewrite, breakpoint, conditions, ws-message, passthrough, do-not-record, upstream-proxy, client-certificate',
      "broken.json: is not JSON (Expected property name or '}' in JSON at position 2)",
      'object.json: must hold an array of rules or a device profile export ({"format": "hindsight-profile", …})',
      'missing.json: cannot be read (ENOENT)',
    ]);
    assert.deepEqual(store.list(), []);
  });
});
