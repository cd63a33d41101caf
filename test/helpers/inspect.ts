/**
 * Real Node processes under the inspector for the relay's tests: a run of free ports of this test's own
 * (never 9229: other engineers and their debuggers share the machine), `node --inspect=127.0.0.1:PORT`
 * children that are killed after each test, and a minimal DevTools-protocol client over `ws`.
 */
import { afterEach } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'inspect');

/** `count` consecutive ports that were free a moment ago, each checked by binding it on 127.0.0.1. */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const servers: net.Server[] = [];
    let ok = true;
    for (let port = base; port < base + count && ok; port++) {
      const server = net.createServer();
      ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (ok) servers.push(server);
    }
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    if (ok) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}

export interface Inspectee {
  child: ChildProcess;
  port: number;
  /** The id Node printed ("Debugger listening on ws://…/<id>"). */
  id: string;
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** Call at the top level of a test file: every child still running after a test is killed. */
export function killInspecteesAfterEach(): void {
  afterEach(async () => {
    await Promise.all([...children].map(stop));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Starts `node --inspect=127.0.0.1:PORT script` and resolves once its inspector listens. */
export async function startInspectee(port: number, script = path.join(FIXTURES, 'app.js'), timeoutMs = 30_000): Promise<Inspectee> {
  const child = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, script], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  const id = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`inspector on ${port} did not start: ${text}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = new RegExp(`Debugger listening on ws://127\\.0\\.0\\.1:${port}/([0-9a-f-]+)`).exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node --inspect=127.0.0.1:${port} exited (${code}): ${text}`));
    });
  });
  child.stderr!.resume();
  return { child, port, id, kill: () => stop(child) };
}

/** Spawns `node ARGS` (a cluster, say), killed after the test like the others. */
export function spawnInspectee(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  return child;
}

/** A DevTools protocol session: send a method, await its result. */
export interface CdpSession {
  ws: WebSocket;
  evaluate(expression: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function openCdp(url: string, headers?: Record<string, string>): Promise<CdpSession> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  return {
    ws,
    evaluate(expression) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, (result) => resolve((result as { result: { value: unknown } }).result.value));
        ws.send(JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }));
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = once(ws, 'close');
      ws.close();
      await closed;
    },
  };
}

/** Polls `check` every 50 ms until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
