/**
 * A batch PostgreSQL refuses for what one flow holds (electron/core/store/pg/pg-write-isolate.ts) no longer
 * holds every write behind it: text the database cannot store (NUL, an unpaired surrogate) is stored as U+FFFD
 * with the bodies byte-exact, a flow the database refuses even so (a host name too long for the host index)
 * is set aside, counted and named, and every other flow arrives, readable from a second node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { Flow, FlowSummary } from '../../../electron/common/flow';
import { createTeamCore } from '../../../electron/core/core';
import type { PgFlowStore } from '../../../electron/core/store/pg/pg-store';
import { makeFlow } from '../../helpers/flows';
import { startOrigin } from '../../helpers/origin';
import { pgStoreSuite } from '../../helpers/pg-stores';
import { TunnelAgent } from '../capture/tunnel-agent';

const { skip, cluster, store } = pgStoreSuite();

/**
 * A host name of about 6,000 random characters (the test lookup resolves any *.test name): past the 2,704 bytes
 * a B-tree index entry may take, even compressed, so the host index refuses the row.
 */
const LONG_HOST = `${randomBytes(4500).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x')}.test`;

/** Rejects when `promise` has not settled within `ms`: a write that stalls fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Every stored flow's summary, newest first (a few hundred at most here). */
async function storedSummaries(s: PgFlowStore): Promise<FlowSummary[]> {
  return (await s.query({ limit: 1000 })).flows;
}

/** Records a finished flow as the proxy does (started, then finished), with a response body. */
function record(s: PgFlowStore, flow: Flow, body: Buffer): Flow {
  const w = s.bodies.open(flow.id, 'response', { contentType: 'application/json' });
  w.write(body);
  const finished: Flow = { ...flow, response: { ...flow.response!, body: w.end() } };
  s.flowStarted({ ...finished, state: 'live' });
  s.flowUpdated(finished);
  return finished;
}

test('one batch with NULs, an unpaired surrogate and a host too long to index among good flows: written in parts, nothing else held back', { skip, timeout: 120_000 }, async () => {
  const url = await cluster.database();
  const a = await store(url, { node: 'alpha' });
  const b = await store(url, { node: 'beta' });
  const next = (overrides: Parameters<typeof makeFlow>[0]) => {
    const seq = a.nextSeq();
    return makeFlow({ response: true, id: `f${seq}`, seq, startedAt: 1_763_700_000_000 + seq, ...overrides });
  };
  const json = Buffer.from('{"note":"a\u0000b","escaped":"\\u0000"}');
  const good = Array.from({ length: 6 }, (_, i) => record(a, next({}), Buffer.from(`{"i":${i}}`)));
  const nul = record(a, next({ request: { method: 'GET', url: 'http://example.test/a\u0000b?q=\u0000', httpVersion: '1.1', headers: [['X-Note', 'x\u0000y']], body: { size: 0, storedSize: 0, truncated: false } } }), json);
  const log = a.messages.open(nul.id);
  log.append({ at: 1, dir: 'to-server', kind: 'close', size: 6, truncated: false, closeCode: 1000, closeReason: 'bye\u0000' }, Buffer.from([3, 232, 98, 121, 101, 0]));
  log.end();
  const half = record(a, next({ request: { method: 'GET', url: 'http://example.test/half', httpVersion: '1.1', headers: [['X-Half', 'a\ud800b']], body: { size: 0, storedSize: 0, truncated: false } } }), json);
  const long = record(a, next({ request: { method: 'GET', url: `http://${LONG_HOST}/long`, httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }), json);
  const more = Array.from({ length: 3 }, (_, i) => record(a, next({}), Buffer.from(`{"more":${i}}`)));
  await within(a.flush(), 60_000, 'the flush');

  const stored = await storedSummaries(b);
  const [closeMessage] = (await b.messages.read(nul.id)).messages;
  assert.deepStrictEqual(
    {
      ids: stored.map((s) => s.id).sort(),
      nul: await b.get(nul.id),
      nulBody: await b.bodies.read(nul.response!.body),
      close: { reason: closeMessage.meta.closeReason, payload: closeMessage.payload },
      halfHeaders: (await b.get(half.id))?.request.headers,
      dropped: a.dropped(),
      unwritten: a.bodies.unwrittenBytes() + a.messages.unwrittenBytes(),
    },
    {
      ids: [...good, nul, half, ...more].map((f) => f.id).sort(),
      nul: {
        ...nul,
        node: 'alpha',
        request: { ...nul.request, url: 'http://example.test/a\ufffdb?q=\ufffd', headers: [['X-Note', 'x\ufffdy']] },
      },
      nulBody: json,
      close: { reason: 'bye\ufffd', payload: Buffer.from([3, 232, 98, 121, 101, 0]) },
      halfHeaders: [['X-Half', 'a\ufffdb']],
      dropped: 1,
      unwritten: 0,
    },
  );
  const warnings = a.warnings();
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], new RegExp(`^PostgreSQL refused text in flows ${nul.id}, ${half.id} \\(unsupported Unicode escape sequence\\): stored with U\\+FFFD for each NUL or unpaired surrogate; bodies unchanged\\.$`));
  assert.match(warnings[1], new RegExp(`^Flow ${long.id} was not stored: PostgreSQL refused it \\(index row size \\d+ exceeds .*"flows_host"\\)\\.$`));

  // The store goes on: a later record of the flow set aside is skipped, and so is a body of it that ends
  // later (a row no stored flow refers to); a new flow is written at once.
  const lateBody = a.bodies.open(long.id, 'request', {});
  lateBody.write(Buffer.from('late'));
  lateBody.end();
  a.flowUpdated({ ...long, comment: 'later' });
  const after = record(a, next({}), Buffer.from('{}'));
  await within(a.flush(), 30_000, 'the next flush');
  const { rows } = await b.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bodies WHERE flow_id = $1', [long.id]);
  assert.deepStrictEqual(
    { after: await b.get(after.id), long: await b.get(long.id), longBodies: rows[0].n, dropped: a.dropped(), unwritten: a.bodies.unwrittenBytes() },
    { after: { ...after, node: 'alpha' }, long: null, longBodies: 0, dropped: 1, unwritten: 0 },
  );
});

/** A request through the proxy from `from`: its status. */
function send(proxyPort: number, from: string, target: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, localAddress: from, path: target, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A gRPC-Web frame: flag byte, 32-bit length, message. */
function grpcWebFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

test('captured through the proxy: a %00 in a gRPC path, a NUL in a WebSocket close reason and a host too long to index, among good flows from two clients', { skip, timeout: 120_000 }, async () => {
  const url = await cluster.database();
  const origin = await startOrigin();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pg-isolate-'));
  const core = await createTeamCore({ dataDir, host: '127.0.0.1', port: 0, lookup: origin.lookup, version: 'test', storeUrl: url, node: 'alpha' });
  try {
    const port = core.proxyAddress().port;
    const at = (p: string) => origin.url(p);
    // The body: JSON with a NUL byte and a \u0000 escape, as a gRPC-Web message; the path's %00 is decoded
    // into the call's service and method names (grpcMethodOf), which go into the flow's JSON.
    const json = Buffer.from('{"note":"a\u0000b","escaped":"\\u0000"}');
    const grpcBody = grpcWebFrame(json);
    const statuses = [
      await send(port, '127.0.0.2', at('/json')),
      await send(port, '127.0.0.2', at('/pkg.Svc%00x/Do%00'), { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: grpcBody }),
      await send(port, '127.0.0.3', origin.url('/json', { host: LONG_HOST })),
      await send(port, '127.0.0.3', at('/echo'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }),
    ];
    const agent = new TunnelAgent(`http://127.0.0.1:${port}`, { secure: false, localAddress: '127.0.0.3' });
    const ws = new WebSocket(at('/ws').replace(/^http/, 'ws'), { agent });
    await once(ws, 'open');
    ws.send('hi');
    await once(ws, 'message');
    ws.close(4000, 'bye\u0000');
    await once(ws, 'close');
    agent.destroy();
    for (let i = 0; i < 3; i++) statuses.push(await send(port, i % 2 ? '127.0.0.3' : '127.0.0.2', at(`/json?after=${i}`)));
    assert.deepStrictEqual(statuses.map((s) => s >= 200 && s < 600), Array(7).fill(true));
    await within(core.store.flush(), 60_000, 'the flush');

    // A second node reads the database.
    const b = await store(url, { node: 'beta' });
    let stored: FlowSummary[] = [];
    // Until the seven good exchanges are finished there (the WebSocket's flow ends with its close), at most 30 s.
    for (let i = 0; i < 300; i++) {
      stored = await storedSummaries(b);
      if (stored.filter((s) => s.state === 'completed' || s.state === 'failed').length >= 7) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rows = stored.map((s) => `${s.clientIp} ${s.method} ${s.path}`).sort();
    const grpc = stored.find((s) => s.grpc)!;
    const grpcFlow = (await b.get(grpc.id))!;
    const wsFlow = stored.find((s) => s.websocket)!;
    const close = (await b.messages.read(wsFlow.id)).messages.find((m) => m.meta.kind === 'close');
    assert.deepStrictEqual(
      {
        rows,
        grpc: { service: grpcFlow.grpc?.service, method: grpcFlow.grpc?.method, url: grpcFlow.request.url, body: await b.bodies.read(grpcFlow.request.body) },
        closeReason: close?.meta.closeReason,
        dropped: core.store.dropped(),
        metricsDropped: core.metrics.snapshot().flowsDropped,
        statusDropped: core.status().dropped,
      },
      {
        rows: [
          '127.0.0.2 GET /json',
          '127.0.0.2 GET /json?after=0',
          '127.0.0.2 GET /json?after=2',
          '127.0.0.2 POST /pkg.Svc%00x/Do%00',
          '127.0.0.3 GET /json?after=1',
          '127.0.0.3 GET /ws',
          '127.0.0.3 POST /echo',
        ],
        grpc: { service: 'pkg.Svc\ufffdx', method: 'Do\ufffd', url: at('/pkg.Svc%00x/Do%00'), body: grpcBody },
        closeReason: 'bye\ufffd',
        dropped: 1,
        metricsDropped: 1,
        statusDropped: 1,
      },
    );
    assert.ok(core.store.warnings().some((w) => /^Flow \S+ was not stored: PostgreSQL refused it \(index row size/.test(w)), core.store.warnings().join('\n'));
  } finally {
    await core.dispose();
    await origin.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
