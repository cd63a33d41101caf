/**
 * A real core for integration tests: createCore() on 127.0.0.1, port 0, in a temp data dir, resolving test
 * host names through the origin's lookup and trusting the origin's CA. dispose() closes the core and removes
 * the data dir. Also: waiting for finished flows (on store events, never sleeps) and normalising the
 * volatile fields of a flow (ids, times, ports) so whole flows can be compared with one deepStrictEqual.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Flow, FlowTimings } from '../../electron/common/flow';
import { createCore } from '../../electron/core/core';
import type { Core, CoreOptions } from '../../electron/core/core-types';
import type { Origin } from './origin';
import { testLookup } from './origin';

export interface TestCore {
  core: Core;
  dataDir: string;
  /** http://127.0.0.1:PORT — the proxy, for curl -x and undici ProxyAgent. */
  proxyUrl: string;
  port: number;
  /** PEM of the core's CA (what a client trusts to accept intercepted HTTPS). */
  caPem: string;
  caPath: string;
  /** Resolves with the first `count` finished (completed or failed) flows, oldest first. */
  finishedFlows(count: number, timeoutMs?: number): Promise<Flow[]>;
  dispose(): Promise<void>;
}

export async function startTestCore(options: Partial<CoreOptions> & { origin?: Origin } = {}): Promise<TestCore> {
  const { origin, ...coreOptions } = options;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  let core: Core;
  try {
    core = await createCore({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      lookup: testLookup,
      upstreamCa: origin ? [origin.caPem] : undefined,
      version: 'test',
      ...coreOptions,
    });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { port } = core.proxyAddress();
  return {
    core,
    dataDir,
    proxyUrl: `http://127.0.0.1:${port}`,
    port,
    caPem: core.ca.certPem,
    caPath: core.ca.certPath,
    finishedFlows: (count, timeoutMs) => finishedFlows(core, count, timeoutMs),
    async dispose() {
      await core.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function finishedFlows(core: Core, count: number, timeoutMs = 15_000): Promise<Flow[]> {
  const { store } = core;
  const ids = await new Promise<string[]>((resolve, reject) => {
    const subscriptions = [store.onDidAdd(check), store.onDidUpdate(check)];
    const timer = setTimeout(() => {
      finish();
      const states = store.query({ limit: 5000 }).flows.map((f) => `${f.method} ${f.url} ${f.state}`);
      reject(new Error(`timed out waiting for ${count} finished flows; stored: ${JSON.stringify(states)}`));
    }, timeoutMs);
    function finish() {
      clearTimeout(timer);
      for (const s of subscriptions) s.dispose();
    }
    function check() {
      const done = store.query({ limit: 5000 }).flows.filter((f) => f.state === 'completed' || f.state === 'failed');
      if (done.length < count) return;
      finish();
      resolve(done.sort((a, b) => a.seq - b.seq).slice(0, count).map((f) => f.id));
    }
    check();
  });
  const flows = await Promise.all(ids.map((id) => store.get(id)));
  return flows.map((f, i) => {
    if (!f) throw new Error(`flow ${ids[i]} vanished`);
    return f;
  });
}

/** Timings with every measured number replaced by 'ms' (after checking it is a finite number ≥ 0). */
export function timingShape(timings: FlowTimings): Record<string, string | boolean> {
  const shape: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(timings)) {
    if (typeof value === 'number') {
      if (!(Number.isFinite(value) && value >= 0)) throw new Error(`timing ${key} is ${value}`);
      shape[key] = 'ms';
    } else shape[key] = value as boolean;
  }
  return shape;
}

/**
 * The flow with volatile values replaced: id → 'ID' (also inside body file names), seq → 1, startedAt → 0,
 * client.port → 0, timings → timingShape(). Checks the replaced values are plausible first.
 */
export function stableFlow(flow: Flow): Record<string, unknown> {
  if (!/^[0-9A-Za-z]{12}$/.test(flow.id)) throw new Error(`bad flow id ${flow.id}`);
  if (!(flow.seq >= 1)) throw new Error(`bad seq ${flow.seq}`);
  if (!(Math.abs(flow.startedAt - Date.now()) < 600_000)) throw new Error(`bad startedAt ${flow.startedAt}`);
  if (!(flow.client.port > 0)) throw new Error(`bad client port ${flow.client.port}`);
  const copy = JSON.parse(JSON.stringify(flow).split(flow.id).join('ID')) as Flow;
  return { ...copy, seq: 1, startedAt: 0, client: { ...copy.client, port: 0 }, timings: timingShape(flow.timings) };
}
