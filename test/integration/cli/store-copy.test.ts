// Issue 21, item 7: `hindsight store copy` between a data folder and a real PostgreSQL, both ways. A round trip
// embedded → PostgreSQL → embedded gives back the same flows, bodies and message logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../electron/cli/store';
import type { BodyRef, Flow } from '../../../electron/common/flow';
import { RuleBook } from '../../../electron/core/rules/rule-book';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { makeFlow } from '../../helpers/flows';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';

const skip = postgresUnavailable();
let cluster: TestCluster;
const dirs: string[] = [];

before(async () => {
  if (!skip) cluster = await startTestCluster();
});
after(async () => {
  await cluster?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-copy-'));
  dirs.push(d);
  return d;
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

function body(store: FlowStore, id: string, side: 'request' | 'response', text: string | Buffer): BodyRef {
  const w = store.bodies.open(id, side, { contentType: 'application/octet-stream', encoding: 'identity' });
  w.write(Buffer.from(text));
  return w.end();
}

/** A store's flows with their bodies and messages as plain data, blob names left out (each store names its own). */
async function contents(dataDir: string): Promise<unknown[]> {
  const store = openFlowStore({ dataDir, maxFlows: Infinity });
  await store.ready;
  try {
    const out: unknown[] = [];
    for (const s of store.query({ limit: 5000 }).flows.reverse()) {
      const flow = (await store.get(s.id))!;
      const read = async (ref: BodyRef | undefined) => (ref?.blob ? (await store.bodies.read(ref)).toString('base64') : null);
      const strip = (ref: BodyRef) => {
        const { blob: _blob, ...rest } = ref;
        return rest;
      };
      const plain: Flow = structuredClone(flow);
      plain.request.body = strip(plain.request.body) as BodyRef;
      if (plain.response) plain.response.body = strip(plain.response.body) as BodyRef;
      out.push({ flow: plain, request: await read(flow.request.body), response: await read(flow.response?.body), messages: (await store.messages.read(flow.id, { limit: 1000 })).messages.map((m) => ({ ...m, payload: m.payload.toString('base64') })) });
    }
    return out;
  } finally {
    await store.close();
  }
}

test('store copy: embedded → PostgreSQL → embedded gives back the same flows, bodies and messages; a second run skips what is there', { skip, timeout: 120_000 }, async () => {
  const url = await cluster.database();
  const first = tempDir();
  const store = openFlowStore({ dataDir: first });
  await store.ready;
  const flows: Flow[] = [];
  for (let i = 0; i < 30; i++) {
    const seq = store.nextSeq();
    const flow = makeFlow({ response: true, id: `copy-${i}`, seq, startedAt: 1_763_700_000_000 + i * 1000, pinned: i % 7 === 0 ? true : undefined, client: { ip: `127.0.0.${2 + (i % 2)}`, port: 40000 + i } });
    flow.request.body = body(store, flow.id, 'request', `request ${i}`);
    flow.response!.body = body(store, flow.id, 'response', Buffer.alloc(200 + i, i));
    if (i % 10 === 3) {
      const log = store.messages.open(flow.id);
      log.append({ at: 1, dir: 'to-server', kind: 'text', size: 2, truncated: false }, Buffer.from('hi'));
      log.append({ at: 2, dir: 'to-client', kind: 'binary', size: 3, truncated: false }, Buffer.from([7, 8, 9]));
      log.end();
      flow.websocket = true;
      flow.messages = log.stats;
    }
    flows.push(flow);
    store.flowStarted(flow);
  }
  await store.close();
  // A profile with a rule, a rule of its own and a setting, saved the way the UI saves them.
  const rules = new RuleBook(first);
  await rules.ready;
  await rules.saveProfile({ name: 'Phone A', clients: ['127.0.0.2'], rules: [{ name: 'mock A', matchers: [{ type: 'url', pattern: '*/a', syntax: 'wildcard' }], action: { type: 'mock', status: 201, headers: [], body: 'a' } }] });
  await rules.save({ name: 'mock all', matchers: [{ type: 'url', pattern: '*/all', syntax: 'wildcard' }], action: { type: 'mock', status: 202, headers: [], body: 'all' } });
  await rules.setSettings({ breakpointTimeoutMs: 12_345 });
  const ruleState = { rules: rules.list().map((r) => r.rule), profiles: rules.profileList(), settings: rules.settings() };
  await rules.close();
  const original = await contents(first);
  assert.equal(original.length, 30);

  assert.deepEqual(await cli(['copy', '--from', first, '--to', url]), { code: 0, stdout: `Copied 30 flows from ${first} to ${url}\nCopied 2 rules and 1 device profile\nCopied 0 users and 0 device bindings\n`, stderr: '' });
  const back = tempDir();
  fs.rmdirSync(back);
  assert.deepEqual(await cli(['copy', '--from', url, '--to', back]), { code: 0, stdout: `Copied 30 flows from ${url} to ${back}\nCopied 2 rules and 1 device profile\nCopied 0 users and 0 device bindings\n`, stderr: '' });
  assert.deepEqual(await contents(back), original);
  const backRules = new RuleBook(back);
  await backRules.ready;
  assert.deepEqual({ rules: backRules.list().map((r) => r.rule), profiles: backRules.profileList(), settings: backRules.settings() }, ruleState);
  await backRules.close();

  assert.deepEqual(await cli(['copy', '--from', first, '--to', url]), { code: 0, stdout: `Copied 0 flows from ${first} to ${url} (30 already there, skipped)\nCopied 2 rules and 1 device profile\nCopied 0 users and 0 device bindings\n`, stderr: '' });
});

test('store copy refuses what it cannot do with one line and the usage where a flag is wrong', { skip }, async () => {
  const empty = tempDir();
  assert.deepEqual(await cli(['copy', '--from', empty, '--to', tempDir()]), { code: 1, stdout: '', stderr: `hindsight store copy: no flows stored in ${empty}\n` });
  const same = await cli(['copy', '--from', empty, '--to', `${empty}/`]);
  assert.deepEqual({ code: same.code, stderr: same.stderr }, { code: 2, stderr: `hindsight store copy: --from and --to are the same store (${empty})\n` });
  const missing = await cli(['copy', '--from', empty]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^hindsight store copy: give both --from and --to\n\nUsage: hindsight store copy/);
  const unknown = await cli(['move']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^hindsight store: expected the subcommand copy, got 'move'/);
  const down = await cli(['copy', '--from', `postgres://postgres@127.0.0.1:${cluster.port}/no_such_db`, '--to', tempDir()]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^hindsight store copy: cannot open the store at postgres:\/\/postgres@127\.0\.0\.1:\d+\/no_such_db: database "no_such_db" does not exist\n$/);
});
