/**
 * `hindsight serve --store URL --node NAME` as child processes (from source, like cli-process.ts), for the team
 * store's tests: start a node on port 0 with its own data folder, and send plain HTTP through its proxy from a
 * chosen loopback address (127.0.0.2, 127.0.0.3 … are distinct clients).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import type { DisposableApiClient } from '../../electron/common/api-client';
import { connectToRunning } from '../../electron/core/instance/lock';
import { spawnCli, waitFor } from './cli-process';
import { startOrigin, type Origin } from './origin';
import { postgresUnavailable, startTestCluster, type TestCluster } from './postgres';

export interface TeamNode {
  child: ChildProcess;
  proxyPort: number;
  /** The UI URL the banner printed (token in the fragment). */
  uiUrl: string;
  dataDir: string;
  exited: Promise<unknown>;
}

export async function startNode(url: string, name: string): Promise<TeamNode> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-node-'));
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--store', url, '--node', name], {});
  const exited = once(child, 'exit');
  const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), `node ${name}'s banner`);
  assert.match(banner, new RegExp(`^Store: +postgres://postgres@127\\.0\\.0\\.1:\\d+/\\w+  \\(node ${name}\\)$`, 'm'));
  return { child, dataDir, exited, proxyPort: Number(/^Proxy: +http:\/\/127\.0\.0\.1:(\d+)/m.exec(banner)![1]), uiUrl: /^UI: +(\S+)/m.exec(banner)![1] };
}

/** Kills the node if it still runs and removes its data folder. */
export async function stopNode(node: TeamNode): Promise<void> {
  if (node.child.exitCode === null && node.child.signalCode === null) {
    node.child.kill('SIGKILL');
    await node.exited;
  }
  fs.rmSync(node.dataDir, { recursive: true, force: true });
}

/** A plain HTTP GET of `target` (an absolute http:// URL) through a node's proxy from `from`; its status. */
export function getThrough(node: TeamNode, from: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: node.proxyPort, localAddress: from, path: target, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts one node per name on the database at `url`, in order; each is added to `started` (stopped by the caller). */
export async function startNodes(url: string, names: string[], started: TeamNode[]): Promise<TeamNode[]> {
  const result: TeamNode[] = [];
  for (const name of names) {
    const node = await startNode(url, name);
    started.push(node);
    result.push(node);
  }
  return result;
}

/** A GET of `target` through a node's proxy from `from`, with extra headers; the status and the body as text. */
export function sendThrough(node: TeamNode, from: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: node.proxyPort, localAddress: from, path: target, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface TeamBed {
  readonly skip: string | false;
  readonly cluster: TestCluster;
  readonly origin: Origin;
  /** node-a and node-b on a fresh database, with an API client each; all stopped after the file's tests. */
  twoNodes(): Promise<{ url: string; a: TeamNode; b: TeamNode; apiA: DisposableApiClient; apiB: DisposableApiClient }>;
}

/** A test file's PostgreSQL cluster and origin: started before its tests, stopped with every node and client after. */
export function useTeamBed(): TeamBed {
  const skip = postgresUnavailable();
  let cluster: TestCluster | undefined;
  let origin: Origin | undefined;
  const nodes: TeamNode[] = [];
  const clients: DisposableApiClient[] = [];
  before(async () => {
    if (skip) return;
    cluster = await startTestCluster();
    origin = await startOrigin();
  });
  after(async () => {
    for (const c of clients) c.dispose();
    for (const n of nodes) await stopNode(n);
    await origin?.close();
    await cluster?.stop();
  });
  return {
    skip,
    get cluster() {
      return cluster!;
    },
    get origin() {
      return origin!;
    },
    async twoNodes() {
      const url = await cluster!.database();
      const [a, b] = await startNodes(url, ['node-a', 'node-b'], nodes);
      const apiA = (await connectToRunning(a.dataDir))!;
      const apiB = (await connectToRunning(b.dataDir))!;
      clients.push(apiA, apiB);
      return { url, a, b, apiA, apiB };
    },
  };
}
