// Operating a server (issue 21): GET /healthz answers without a token (JSON: store and proxy), GET /metrics
// answers the Prometheus text format to a Bearer token (the UI token or a user's), or to anyone with
// metricsPublic; the numbers follow real traffic through the proxy: flows, failures by phase, rule hits.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../../electron/core/core';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startOrigin, type Origin } from '../../helpers/origin';
import { curl } from '../capture/clients';

let origin: Origin;
let proxy: TestCore;
let ui: UiServer;
const noRenderer = path.join(os.tmpdir(), 'no-renderer');
beforeEach(async () => {
  origin = await startOrigin();
  proxy = await startTestCore({ origin });
  ui = await startUiServer(proxy.core, { port: 0, rendererDir: noRenderer });
});
afterEach(async () => {
  await ui.close();
  await proxy.dispose();
  await origin.close();
});

const get = (url: string, token?: string) => fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

/** The sample lines (no comments), without the uptime that changes every second. */
function samples(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('hindsight_uptime_seconds'));
}

test('/healthz needs no token; /metrics needs one and counts flows, failures by phase and rule hits', async () => {
  const rule = await proxy.core.rules.store.save({ name: 'tea "pot"', matchers: [{ type: 'url', pattern: '*/teapot', syntax: 'wildcard' }], action: { type: 'mock', status: 418, headers: [], body: 'tea' } });
  const { token: memberToken } = await proxy.core.users.add('viewer', 'member');
  const closed = await origin.closedPort();
  const results = [
    await curl(proxy.proxyUrl, [origin.url('/json')]),
    await curl(proxy.proxyUrl, [origin.url('/teapot')]),
    await curl(proxy.proxyUrl, [`http://127.0.0.1:${closed}/nothing`]),
  ];
  await proxy.finishedFlows(3);
  await proxy.core.store.flush();
  const health = await get(`http://127.0.0.1:${ui.port}/healthz`);
  const anonymous = await get(`http://127.0.0.1:${ui.port}/metrics`);
  const metrics = await get(`http://127.0.0.1:${ui.port}/metrics`, ui.token);
  const asMember = await get(`http://127.0.0.1:${ui.port}/metrics`, memberToken);
  const body = await metrics.text();
  assert.deepEqual(
    {
      statuses: results.map((r) => r.status),
      health: [health.status, health.headers.get('content-type'), await health.json()],
      anonymous: [anonymous.status, anonymous.headers.get('www-authenticate'), (await anonymous.text()).trim()],
      metrics: [metrics.status, metrics.headers.get('content-type')],
      member: asMember.status,
      samples: samples(body),
      helpLines: body.split('\n').filter((l) => l.startsWith('# TYPE')),
    },
    {
      statuses: [200, 418, 502],
      health: [200, 'application/json; charset=utf-8', { ok: true, store: 'ok', proxy: 'listening' }],
      anonymous: [401, 'Bearer realm="hindsight"', 'Unauthorized: /metrics needs Authorization: Bearer <token> (or serve --metrics-public)'],
      metrics: [200, 'text/plain; version=0.0.4; charset=utf-8'],
      member: 200,
      samples: [
        'hindsight_flows_captured_total 3',
        'hindsight_flow_failures_total{phase="connect"} 1',
        'hindsight_open_connections 0',
        'hindsight_flows_stored 3',
        'hindsight_store_write_lag_seconds 0',
        `hindsight_rule_hits{rule_id="${rule.rule.id}",rule="tea \\"pot\\""} 1`,
        'hindsight_flows_dropped_total 0',
        'hindsight_store_trimmed_unremoved_flows 0',
      ],
      helpLines: [
        '# TYPE hindsight_flows_captured_total counter',
        '# TYPE hindsight_flow_failures_total counter',
        '# TYPE hindsight_open_connections gauge',
        '# TYPE hindsight_flows_stored gauge',
        '# TYPE hindsight_store_write_lag_seconds gauge',
        '# TYPE hindsight_rule_hits gauge',
        '# TYPE hindsight_flows_dropped_total counter',
        '# TYPE hindsight_store_trimmed_unremoved_flows gauge',
        '# TYPE hindsight_uptime_seconds gauge',
      ],
    },
  );
});

test('metricsPublic serves /metrics without a token; a token in the URL is still no way in', async () => {
  const open = await startUiServer(proxy.core, { port: 0, rendererDir: noRenderer, metricsPublic: true });
  try {
    const res = await get(`http://127.0.0.1:${open.port}/metrics`);
    const closedOne = await get(`http://127.0.0.1:${ui.port}/metrics?token=${ui.token}`);
    assert.deepEqual([res.status, (await res.text()).startsWith('# HELP hindsight_flows_captured_total'), closedOne.status], [200, true, 401]);
  } finally {
    await open.close();
  }
});

test('/healthz answers 503 naming the problem when the store cannot be opened', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  fs.mkdirSync(path.join(dataDir, 'flows.db'));
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, version: 'test' });
  const broken = await startUiServer(core, { port: 0, rendererDir: noRenderer });
  try {
    await core.store.ready.catch(() => {});
    const res = await get(`http://127.0.0.1:${broken.port}/healthz`);
    const health = (await res.json()) as { ok: boolean; store: string; proxy: string; problem: string };
    assert.deepEqual([res.status, health.ok, health.store, health.proxy, /flows\.db could not be opened/.test(health.problem)], [503, false, 'failing', 'listening', true]);
  } finally {
    await broken.close();
    await core.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
