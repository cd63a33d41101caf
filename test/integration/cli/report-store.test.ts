// Issue 21: `hindsight report --store postgres://…` reads the device profiles saved in the team's database
// (the ones every node applies), not the data folder's. A node on a real PostgreSQL captures real traffic from
// three loopback clients with a profile saved through its API; the report then runs against the database
// with an empty data folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../electron/cli/report';
import type { EndpointReport } from '../../../electron/common/report';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { createTeamCore } from '../../../electron/core/core';
import { testLookup } from '../../helpers/origin';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';
import { SENT, send, startApiOrigin, type ApiOrigin } from '../../helpers/report-traffic';

const skip = postgresUnavailable();
let cluster: TestCluster;
let origin: ApiOrigin;
let url: string;
const dirs: string[] = [];

const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-report-store-'));
  dirs.push(dir);
  return dir;
};

before(async () => {
  if (skip) return;
  cluster = await startTestCluster();
  origin = await startApiOrigin();
  url = await cluster.database();
  const core = await createTeamCore({ dataDir: tempDir(), host: '127.0.0.1', port: 0, lookup: testLookup, version: 'test', storeUrl: url, node: 'qa-node' });
  try {
    await createApiHandlers(core)['profiles.save']({ profile: { name: 'QA iPhone', clients: ['127.0.0.2'] } });
    for (const item of SENT) await send(core.proxyAddress().port, origin.port, item);
    // Every exchange finished and written before the node stops.
    for (let i = 0; i < 100; i++) {
      const page = await core.store.query({ limit: 100 });
      if (page.flows.length === SENT.length && page.flows.every((f) => f.state === 'completed' || f.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await core.dispose();
  }
});
after(async () => {
  await origin?.close();
  await cluster?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function report(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

test('report --store takes device profiles from the database: --profile filters by them and the profile column names them', { skip, timeout: 120_000 }, async () => {
  // A data folder that has never seen the profile: only the database knows it.
  const data = tempDir();
  const phone = await report(['endpoints', '--store', url, '--data', data, '--profile', 'qa iphone', '--format', 'json']);
  assert.equal(phone.stderr, '');
  const endpoints = (JSON.parse(phone.stdout) as EndpointReport).endpoints;
  assert.deepEqual(
    { code: phone.code, endpoints: endpoints.map((e) => [e.method, e.route, e.count, e.clients, e.profiles]) },
    {
      code: 0,
      endpoints: [
        ['GET', '/boom/{id}', 2, ['127.0.0.2'], ['QA iPhone']],
        ['POST', '/orders', 2, ['127.0.0.2'], ['QA iPhone']],
        ['GET', '/users/{id}', 2, ['127.0.0.2'], ['QA iPhone']],
        ['GET', '/users/{id}/orders/{uuid}', 1, ['127.0.0.2'], ['QA iPhone']],
      ],
    },
  );

  const all = await report(['endpoints', '--store', url, '--data', data, '--filter', 'ip:127.0.0.3', '--format', 'json']);
  const android = (JSON.parse(all.stdout) as EndpointReport).endpoints;
  assert.deepEqual(
    android.map((e) => [e.method, e.route, e.profiles]),
    [
      ['GET', '/reports/{date}', []],
      ['DELETE', '/users/{id}', []],
      ['GET', '/users/{id}', []],
      ['GET', '/users/{id}/orders/{uuid}', []],
      ['GET', '/users/{id}', []],
    ],
  );

  const unknown = await report(['errors', '--store', url, '--data', data, '--profile', 'Pixel']);
  assert.deepEqual(unknown, { code: 2, stdout: '', stderr: "hindsight report: no device profile named 'Pixel'; profiles: QA iPhone\n" });
});
