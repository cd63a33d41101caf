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
import { spawnCli, waitFor } from './cli-process';

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
