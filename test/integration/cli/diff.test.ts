// `hindsight diff A B`: two HAR files (one exchange added, one changed), the same HAR against itself, a
// real browser HAR, a stored-flow filter against a HAR, and the refusals.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../electron/cli/diff';
import { run as importHar } from '../../../electron/cli/import';
import { parseHar } from '../../../electron/core/import/har';
import { importIntoStore } from '../../../electron/core/import/into-store';
import { startTestCore } from '../../helpers/core';
import { serveAsRunning } from '../../helpers/running-instance';
import type { SessionReport } from '../../../electron/common/session-report';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-diff-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

interface Exchange {
  method: string;
  url: string;
  status: number;
  body: string;
  requestBody?: string;
  headers?: { name: string; value: string }[];
}

function har(file: string, exchanges: Exchange[]): string {
  const entries = exchanges.map((x, i) => ({
    startedDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    time: 10,
    request: {
      method: x.method,
      url: x.url,
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'Host', value: 'api.test' }],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: x.requestBody?.length ?? 0,
      ...(x.requestBody ? { postData: { mimeType: 'application/json', text: x.requestBody } } : {}),
    },
    response: {
      status: x.status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'Content-Type', value: 'application/json' }, { name: 'Date', value: `Thu, 01 Jan 2026 00:00:0${i} GMT` }, ...(x.headers ?? [])],
      cookies: [],
      content: { size: x.body.length, mimeType: 'application/json', text: x.body },
      redirectURL: '',
      headersSize: -1,
      bodySize: x.body.length,
    },
    cache: {},
    timings: { send: 1, wait: 8, receive: 1 },
  }));
  const at = path.join(dir, file);
  fs.writeFileSync(at, JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } }));
  return at;
}

const A: Exchange[] = [
  { method: 'GET', url: 'http://api.test/users/1', status: 200, body: '{"id":1,"name":"Ada","plan":"free"}' },
  { method: 'POST', url: 'http://api.test/orders', status: 201, body: '{"ok":true}', requestBody: '{"item":"book"}' },
  { method: 'POST', url: 'http://api.test/orders', status: 201, body: '{"ok":true}', requestBody: '{"item":"pen"}' },
  { method: 'GET', url: 'http://api.test/health', status: 200, body: '{"up":true}' },
];
// One changed exchange (the user's plan), one added (/users/2); the same requests otherwise, the Date differs.
const B: Exchange[] = [
  { ...A[0], body: '{"id":1,"name":"Ada","plan":"pro"}' },
  A[2],
  A[1],
  { method: 'GET', url: 'http://api.test/users/2', status: 200, body: '{"id":2}' },
  A[3],
];

test('two HARs: one added and one changed exchange, paired by method, path and request body in order; exit 1', async () => {
  const a = har('a.har', A);
  const b = har('b.har', B.map((x) => ({ ...x, headers: [{ name: 'X-Request-Id', value: 'differs' }] })));
  const file = path.join(dir, 'report.json');
  const result = await cli([a, b, '--report', file]);
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionReport;
  const x = (e: Exchange) => ({ method: e.method, url: e.url, status: e.status, durationMs: 10 });
  const timing = { aMedianMs: 10, bMedianMs: 10 };
  assert.deepEqual(report, {
    kind: 'diff',
    a,
    b,
    ignore: [],
    totals: { pairs: 4, same: 3, changed: 1, added: 1, removed: 0, notSent: 0 },
    endpoints: [
      // /users/1 and /users/2 share the route template; /users/2 has no counterpart (pairing keeps exact paths).
      { endpoint: 'GET /users/{id}', pairs: [{ a: x(A[0]), b: x(B[0]), same: false, differences: [{ kind: 'json', path: '$.plan', a: 'free', b: 'pro' }] }], added: [x(B[3])], removed: [], notSent: [], timing },
      {
        endpoint: 'POST /orders',
        pairs: [
          { a: x(A[1]), b: x(B[2]), same: true, differences: [] },
          { a: x(A[2]), b: x(B[1]), same: true, differences: [] },
        ],
        added: [],
        removed: [],
        notSent: [],
        timing,
      },
      { endpoint: 'GET /health', pairs: [{ a: x(A[3]), b: x(B[4]), same: true, differences: [] }], added: [], removed: [], notSent: [], timing },
    ],
  });
  assert.deepEqual(result, {
    code: 1,
    stderr: '',
    stdout: [
      'DIFF  GET /users/{id}  (0/1 same, 1 only in B)',
      '        http://api.test/users/1: $.plan "free" → "pro"',
      'ok    POST /orders  (2/2 same)',
      'ok    GET /health  (1/1 same)',
      '4 compared: 3 same, 1 changed, 1 only in B, 0 only in A',
      '',
    ].join('\n'),
  });
  // Swapped, the added exchange is a removed one.
  const swapped = JSON.parse((await cli([b, a, '--json'])).stdout) as SessionReport;
  assert.deepEqual(swapped.totals, { pairs: 4, same: 3, changed: 1, added: 0, removed: 1, notSent: 0 });
});

test('a session against itself, and a real browser HAR against itself, match: exit 0; --ignore silences a field', async () => {
  const a = har('same.har', A);
  const changed = har('changed.har', [{ ...A[0], body: '{"id":1,"name":"Ada","plan":"pro"}' }, ...A.slice(1)]);
  const chrome = path.resolve(__dirname, '../../fixtures/har/chrome-devtools.har');
  const results = await Promise.all([cli([a, a]), cli([chrome, `har:${chrome}`]), cli([a, changed, '--ignore', '$.plan']), cli([a, changed, '--ignore', '$.*'])]);
  assert.deepEqual(
    results.map((r) => r.code),
    [0, 0, 0, 0],
  );
});

test('a stored-flow filter against a HAR: the imported session is the same as its file', async () => {
  const dataDir = path.join(dir, 'data');
  const a = har('stored.har', A);
  assert.equal(await importHar(['--data', dataDir, a], quiet), 0);
  const same = await cli(['--data', dataDir, 'is:imported', a, '--json']);
  const report = JSON.parse(same.stdout) as SessionReport;
  assert.deepEqual(
    { code: same.code, a: report.a, totals: report.totals, ids: report.endpoints.flatMap((g) => g.pairs).every((p) => typeof p.a.id === 'string' && p.b.id === undefined) },
    { code: 0, a: "flows matching 'is:imported'", totals: { pairs: 4, same: 4, changed: 0, added: 0, removed: 0, notSent: 0 }, ids: true },
  );
  const html = path.join(dir, 'r.html');
  const changed = await cli(['--data', dataDir, 'filter:is:imported', har('b2.har', B), '--report', html]);
  assert.equal(changed.code, 1);
  assert.match(fs.readFileSync(html, 'utf8'), /<h1>Session diff: <span class="bad">differences found<\/span><\/h1>/);
});

test('a filter through the running instance holding the data dir (bodies decoded by its API) against a HAR', async () => {
  const t = await startTestCore();
  const running = await serveAsRunning(t);
  try {
    const store = t.core.store;
    const imported = await parseHar(fs.readFileSync(har('running.har', A)));
    await importIntoStore(store, imported);
    const result = await cli(['--data', t.dataDir, 'is:imported', har('running-b.har', B), '--json']);
    const report = JSON.parse(result.stdout) as SessionReport;
    assert.deepEqual({ code: result.code, totals: report.totals }, { code: 1, totals: { pairs: 4, same: 3, changed: 1, added: 1, removed: 0, notSent: 0 } });
  } finally {
    await running.close();
    await t.dispose();
  }
});

test('binary bodies compare byte for byte; the report names both by size and SHA-256', async () => {
  const bytes = (fill: number) => Buffer.from([0, 1, 2, fill, 0, 255]);
  const entry = (body: Buffer) => ({
    startedDateTime: '2026-01-01T00:00:00.000Z',
    time: 1,
    request: { method: 'GET', url: 'http://api.test/logo.bin', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: body.length, mimeType: 'application/octet-stream', encoding: 'base64', text: body.toString('base64') }, redirectURL: '', headersSize: -1, bodySize: body.length },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  });
  const file = (name: string, body: Buffer) => {
    const at = path.join(dir, name);
    fs.writeFileSync(at, JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries: [entry(body)] } }));
    return at;
  };
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const result = await cli([file('bin-a.har', bytes(7)), file('bin-b.har', bytes(8)), '--json']);
  const same = await cli([file('bin-c.har', bytes(7)), file('bin-d.har', bytes(7))]);
  const report = JSON.parse(result.stdout) as SessionReport;
  assert.deepEqual(
    { code: result.code, differences: report.endpoints[0].pairs[0].differences, same: same.code },
    { code: 1, differences: [{ kind: 'binary', a: { size: 6, sha256: sha(bytes(7)) }, b: { size: 6, sha256: sha(bytes(8)) } }], same: 0 },
  );
});

test('refusals: one session, a missing HAR, a bad filter, a broken HAR, a bad --report', async () => {
  const broken = path.join(dir, 'broken.har');
  fs.writeFileSync(broken, '{"log": {"entries": []}}');
  const a = har('ok.har', A);
  const results = await Promise.all([cli([a]), cli([a, 'missing.har']), cli([a, 'status:abc']), cli([a, broken]), cli([a, a, '--report', 'x.txt'])]);
  assert.deepEqual(
    results.map((r) => [r.code, r.stderr.split('\n').slice(0, 2).join('\n')]),
    [
      [2, 'hindsight diff: expected two sessions A and B, got 1\n'],
      [2, 'hindsight diff: no such file: missing.har\n'],
      [2, 'hindsight diff: bad filter\nstatus:abc'],
      [1, 'hindsight diff: not a usable HAR file: no log.version: this is not a HAR file (expected {"log": {"version": "1.2", "entries": [...]}})\n'],
      [2, "hindsight diff: --report must name a .json or .html file, got 'x.txt'\n"],
    ],
  );
});
