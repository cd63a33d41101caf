// The inspector relay with real `node --inspect` processes and real clients: a DevTools-protocol client over
// ws follows a restart on another port through the same stable address, Node's own `node inspect` attaches
// through the relay, a cluster's workers get stable paths of their own, /json/list shows only relay URLs,
// foreign Host and Origin headers are refused, and each session is recorded as a WebSocket flow.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { startTestCore } from '../../helpers/core';
import { checkRelayConfig } from '../../../electron/core/inspect/config';
import { startRelay, type Relay } from '../../../electron/core/inspect/relay';
import { eventually, FIXTURES, freePortRun, killInspecteesAfterEach, openCdp, spawnInspectee, startInspectee } from '../../helpers/inspect';

killInspecteesAfterEach();

/** A relay over `count` free ports of this test's own; `body` gets it and the first port; closed afterwards. */
async function withRelay(count: number, body: (relay: Relay, base: number) => Promise<void>, name?: string): Promise<void> {
  const base = await freePortRun(count);
  const relay = await startRelay({ checked: checkRelayConfig({ host: '127.0.0.1', port: 0, targets: [`${base}-${base + count - 1}`], ...(name ? { name } : {}) }), pollMs: 100 });
  try {
    await body(relay, base);
  } finally {
    await relay.close();
  }
}

/** Starts `node --inspect` on `port` and waits until the relay serves it at `path`. */
async function startFound(relay: Relay, port: number, path = 'app') {
  const target = await startInspectee(port);
  await eventually(() => relay.info().processes.find((p) => p.path === path && p.targetId === target.id), path);
  return target;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const live = (relay: Relay, path: string) => relay.info().processes.find((p) => p.path === path && p.live);

describe('inspector relay', () => {
  test('a DevTools client keeps its address across a restart on another port; both sessions are WebSocket flows', { timeout: 120_000 }, async () => {
    const base = await freePortRun(4);
    const core = await startTestCore();
    try {
      const started = await core.core.inspect.start({ host: '127.0.0.1', port: 0, targets: [`${base}-${base + 3}`], name: 'api' });
      const relayPort = started.port;
      const first = await startInspectee(base + 1);
      await eventually(() => core.core.inspect.list().relays[0].processes.find((p) => p.live && p.targetId === first.id), 'the first process');
      const url = `ws://127.0.0.1:${relayPort}/api`;
      const session = await openCdp(url);
      assert.equal(await session.evaluate('process.pid'), first.child.pid);
      const closed = once(session.ws, 'close');
      await first.kill();
      // The relay closes the client's socket when the target dies: DevTools offers "Reconnect".
      await closed;

      const second = await startInspectee(base + 3);
      assert.notEqual(second.id, first.id);
      const again = await openCdp(url);
      assert.equal(await again.evaluate('process.pid'), second.child.pid);
      await again.close();

      // The pid comes from the OS's socket table a moment after the process is found.
      const api = await eventually(() => core.core.inspect.list().relays[0].processes.find((p) => p.pid !== undefined), 'the pid');
      assert.deepEqual(
        { path: api.path, live: api.live, targetPort: api.targetPort, targetId: api.targetId, pid: api.pid, restarts: api.restarts, webSocketUrl: api.webSocketUrl },
        { path: 'api', live: true, targetPort: base + 3, targetId: second.id, pid: second.child.pid, restarts: 1, webSocketUrl: url },
      );
      const flows = await core.finishedFlows(2);
      assert.deepEqual(
        flows.map((f) => ({ url: f.request.url, websocket: f.websocket, status: f.response?.status, state: f.state, client: f.client.ip })),
        [
          { url: `ws://127.0.0.1:${base + 1}/${first.id}`, websocket: true, status: 101, state: 'completed', client: '127.0.0.1' },
          { url: `ws://127.0.0.1:${base + 3}/${second.id}`, websocket: true, status: 101, state: 'completed', client: '127.0.0.1' },
        ],
      );
    } finally {
      await core.dispose();
    }
  });

  test('a stale id, the bare address and __ws_proxy__ reach the live process; an unknown path is a 404', { timeout: 60_000 }, async () => {
    await withRelay(3, async (relay, base) => {
      const first = await startFound(relay, base);
      await first.kill();
      const second = await startInspectee(base + 2);
      const port = relay.address().port;
      for (const p of [first.id, '', '__ws_proxy__']) {
        const session = await openCdp(`ws://127.0.0.1:${port}/${p}`);
        assert.equal(await session.evaluate('process.pid'), second.child.pid, `path /${p}`);
        await session.close();
      }
      await assert.rejects(openCdp(`ws://127.0.0.1:${port}/nope`), /HTTP 404/);
    });
  });

  test('a client reconnecting while the process is still away waits for it, then reaches the new one', { timeout: 60_000 }, async () => {
    await withRelay(2, async (relay, base) => {
      const first = await startFound(relay, base);
      await first.kill();
      await eventually(() => (relay.info().processes[0].live ? undefined : true), 'the process to be gone');
      // "Reconnect" clicked before the app is back: the upgrade waits instead of failing.
      const session = openCdp(`ws://127.0.0.1:${relay.address().port}/app`);
      const second = await startInspectee(base + 1);
      const cdp = await session;
      assert.equal(await cdp.evaluate('process.pid'), second.child.pid);
      await cdp.close();
    });
  });

  test("Node's own debugger client (node inspect) attaches through the relay and reads a value", { timeout: 60_000 }, async () => {
    await withRelay(2, async (relay, base) => {
      const target = await startFound(relay, base + 1);
      const client = spawn(process.execPath, ['inspect', `127.0.0.1:${relay.address().port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
      const exited = once(client, 'exit');
      let out = '';
      client.stdout.on('data', (c: Buffer) => (out += c.toString()));
      client.stderr.on('data', (c: Buffer) => (out += c.toString()));
      try {
        await eventually(() => (/debug> $/.test(out) ? true : undefined), `the debug> prompt (got ${JSON.stringify(out)})`);
        client.stdin.write('exec process.pid\n');
        await eventually(() => (out.includes(`${target.child.pid}`) ? true : undefined), `the pid in ${JSON.stringify(out)}`);
        client.stdin.write('.exit\n');
        await exited;
      } finally {
        client.kill('SIGKILL');
      }
      assert.match(out, new RegExp(`connecting to 127\\.0\\.0\\.1:${relay.address().port} \\.\\.\\. ok\\n(.|\\n)*\\b${target.child.pid}\\b`));
    });
  });

  test('a cluster: primary and two workers get stable paths in port order; a replaced worker keeps its path', { timeout: 120_000 }, async () => {
    await withRelay(8, async (relay, base) => {
      spawnInspectee([`--inspect=127.0.0.1:${base}`, path.join(FIXTURES, 'cluster.js')]);
      const all = await eventually(() => {
        const ps = relay.info().processes;
        return ps.length === 3 && ps.every((p) => p.live && p.pid !== undefined) ? ps : undefined;
      }, 'primary and two workers');
      // The primary is found first; the workers are numbered in the order they come up.
      assert.deepEqual(
        { paths: all.map((p) => p.path), primary: all[0].targetPort, workers: all.slice(1).map((p) => p.targetPort).sort() },
        { paths: ['cluster', 'cluster-2', 'cluster-3'], primary: base, workers: [base + 1, base + 2] },
      );
      const worker = await openCdp(`ws://127.0.0.1:${relay.address().port}/cluster-2`);
      const oldPid = await worker.evaluate('process.pid');
      assert.equal(oldPid, all[1].pid);
      const closed = once(worker.ws, 'close');
      process.kill(oldPid as number, 'SIGKILL');
      await closed;
      // The primary forks a replacement, which Node puts on the next inspector port.
      const replaced = await eventually(() => {
        const p = live(relay, 'cluster-2');
        return p && p.targetPort === base + 3 && p.pid !== undefined ? p : undefined;
      }, 'the replacement worker at /cluster-2');
      const session = await openCdp(`ws://127.0.0.1:${relay.address().port}/cluster-2`);
      const newPid = await session.evaluate('process.pid');
      await session.close();
      assert.deepEqual({ pid: newPid, restarts: replaced.restarts, changed: newPid !== oldPid }, { pid: replaced.pid, restarts: 1, changed: true });
    });
  });

  test('/json/list and /json through the relay show only relay URLs; /json/version is the target’s', { timeout: 60_000 }, async () => {
    await withRelay(2, async (relay, base) => {
      const target = await startFound(relay, base + 1, 'web');
      const port = relay.address().port;
      for (const route of ['/json/list', '/json']) {
        const { status, body } = await get(port, route);
        const address = `127.0.0.1:${port}/web`;
        assert.deepEqual(
          { status, list: JSON.parse(body) },
          {
            status: 200,
            list: [
              {
                description: 'node.js instance',
                devtoolsFrontendUrl: `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${address}`,
                devtoolsFrontendUrlCompat: `devtools://devtools/bundled/inspector.html?experiments=true&v8only=true&ws=${address}`,
                faviconUrl: 'https://nodejs.org/static/images/favicons/favicon.ico',
                id: 'web',
                title: path.join(FIXTURES, 'app.js'),
                type: 'node',
                url: `file://${path.join(FIXTURES, 'app.js')}`,
                webSocketDebuggerUrl: `ws://${address}`,
                relayedBy: 'hindsight',
              },
            ],
          },
        );
        assert.ok(!body.includes(target.id) && !body.includes(`:${base + 1}`), 'no trace of the live id or port');
      }
      const version = await get(port, '/json/version');
      assert.deepEqual(JSON.parse(version.body), { Browser: `node.js/${process.version}`, 'Protocol-Version': '1.1' });
    }, 'web');
  });

  test('Host: evil.example and a foreign Origin are refused, for /json and for the WebSocket', { timeout: 60_000 }, async () => {
    await withRelay(2, async (relay, base) => {
      await startFound(relay, base + 1);
      const port = relay.address().port;
      const evil = await get(port, '/json/list', { Host: 'evil.example' });
      assert.deepEqual({ status: evil.status, body: JSON.parse(evil.body) }, { status: 403, body: { error: 'Host "evil.example" is not an IP address or localhost (DNS rebinding protection)' } });
      const foreign = await get(port, '/json/list', { Origin: 'http://evil.example' });
      assert.equal(foreign.status, 403);
      await assert.rejects(openCdp(`ws://127.0.0.1:${port}/app`, { Host: 'evil.example' }), /HTTP 403/);
      await assert.rejects(openCdp(`ws://127.0.0.1:${port}/app`, { Origin: 'http://evil.example' }), /HTTP 403/);
      // What DevTools, localhost pages and plain clients send passes.
      const allowed: Record<string, string>[] = [{ Origin: 'devtools://devtools' }, { Host: `localhost:${port}` }, {}];
      for (const headers of allowed) {
        const session = await openCdp(`ws://127.0.0.1:${port}/app`, headers);
        assert.equal(typeof (await session.evaluate('1 + 1')), 'number');
        await session.close();
      }
    });
  });
});
