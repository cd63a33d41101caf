// sessions.replay over the API (the app's "Replay against…"): a real core records three requests to origin A
// through its proxy, the API replays them to origin B and answers the whole report; bad params are refused
// with a message naming them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ApiError } from '../../../electron/common/api';
import type { SessionReport } from '../../../electron/common/session-report';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startSessionOrigin, type SessionOrigin } from './session-origins';

let t: TestCore;
let a: SessionOrigin;
let b: SessionOrigin;
before(async () => {
  [a, b] = await Promise.all([startSessionOrigin('A'), startSessionOrigin('B')]);
  t = await startTestCore();
  for (const n of [7, 8, 9]) {
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: t.port, path: `${a.url}/api/users/${n}` }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  }
  await t.finishedFlows(3);
});
after(async () => {
  await t.dispose();
  await Promise.all([a.close(), b.close()]);
});

async function withClient<T>(run: (client: ReturnType<typeof connectInMemory>) => Promise<T>): Promise<T> {
  const server = createApiServerSide(createApiHandlers(t.core), t.core);
  const client = connectInMemory(server);
  try {
    return await run(client);
  } finally {
    client.dispose();
    server.dispose();
  }
}

test('sessions.replay sends the filtered flows to B and answers the report with the one difference', async () => {
  const report = await withClient((c) => c.call('sessions.replay', { filter: 'url:*/api/users/* -is:replay', to: b.url, headers: ['X-Env: ci'], concurrency: 2 }));
  const strip = (r: SessionReport) => r.endpoints.map((g) => [g.endpoint, g.pairs.map((p) => [p.a.status, p.b.status, p.b.url, p.differences])]);
  assert.deepEqual(
    { a: report.a, b: report.b, totals: report.totals, endpoints: strip(report), received: [...b.received].sort() },
    {
      a: "flows matching 'url:*/api/users/* -is:replay'",
      b: b.url,
      totals: { pairs: 3, same: 2, changed: 1, added: 0, removed: 0, notSent: 0 },
      endpoints: [
        [
          'GET /api/users/{id}',
          [
            [200, 500, `${b.url}/api/users/7`, [{ kind: 'status', a: 200, b: 500 }]],
            [200, 200, `${b.url}/api/users/8`, []],
            [200, 200, `${b.url}/api/users/9`, []],
          ],
        ],
      ],
      received: ['GET /api/users/7 x-env=ci', 'GET /api/users/8 x-env=ci', 'GET /api/users/9 x-env=ci'],
    },
  );
  // Every pair's new side is a stored replay of its recorded side, so the app's diff view can open it.
  const stored = await Promise.all(report.endpoints.flatMap((g) => g.pairs).map(async (p) => (await t.core.store.get(p.b.id!))?.replayOf === p.a.id));
  assert.deepEqual(stored, [true, true, true]);
});

test('sessions.replay refuses bad params with one message naming them', async () => {
  const cases: unknown[] = [
    { filter: '', to: 'ftp://x' },
    { to: b.url },
    { ids: ['x'], filter: '' },
    { filter: 'status:abc', to: b.url },
    { filter: '', map: ['nonsense'] },
    { filter: '', to: b.url, ignore: ['$.a[x]'] },
    { filter: '', to: b.url, concurrency: 0 },
    { filter: '' },
  ];
  const messages = await withClient((c) =>
    Promise.all(cases.map((params) => c.call('sessions.replay', params as never).then(() => 'accepted', (err: ApiError) => `${err.code}: ${err.message}`))),
  );
  assert.deepEqual(messages, [
    "bad-params: sessions.replay: to must be an origin like https://staging.example.com:8443 (no path), got 'ftp://x'",
    'bad-params: sessions.replay: give ids or filter (one of the two)',
    'bad-params: sessions.replay: give ids or filter (one of the two)',
    'bad-filter: sessions.replay: status: expects a status from 100 to 599, a class like 5xx, or a range like 400-499 (at column 8)',
    "bad-params: sessions.replay: --map expects FROM=TO (two origins), got 'nonsense'",
    "bad-params: sessions.replay: cannot read the JSON path '$.a[x]' at '[x]'",
    "bad-params: sessions.replay: param 'concurrency' must be an integer from 1 to 64",
    "bad-params: sessions.replay: give 'to' (an origin) or 'map'",
  ]);
});
