// A mock rule answering native gRPC over HTTP/2: a real @grpc/grpc-js client through the proxy (grpc_proxy,
// h2c inside the CONNECT tunnel), the echo.proto loaded into the core (protoDirs). The answer goes as gRPC is
// spoken on h2 — HEADERS, the reply message, then grpc-status/grpc-message as trailers — so the client gets
// exactly the mocked status or reply, and the flow records both messages and the status. No server hears it.
// A plain mock (HTTP status and body) answering such a call goes the same way, its status mapped to gRPC's.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createApiHandlers } from '../../../../electron/core/api/handlers';
import type { MessagePage } from '../../../../electron/common/message';
import type { Flow, Headers } from '../../../../electron/common/flow';
import { stableFlow, startTestCore, type TestCore } from '../../../helpers/core';
import { bindEcho, ECHO_PROTO_DIR, Echo, echoClient, useGrpcProxy, type Note } from '../../../helpers/grpc-echo';

let server: grpc.Server;
let port: number;
let heard = 0;
let proxy: TestCore;
let restoreEnv: () => void;

before(async () => {
  server = new grpc.Server();
  server.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) {
      heard++;
      done(null, { text: `real ${call.request.text}`, n: 0 });
    },
  });
  port = await bindEcho(server, false);
});
after(() => server.forceShutdown());
beforeEach(async () => {
  proxy = await startTestCore({ protoDirs: [ECHO_PROTO_DIR] });
  restoreEnv = useGrpcProxy(proxy.proxyUrl);
});
afterEach(async () => {
  restoreEnv();
  await proxy.dispose();
});

const mockRule = (grpcAnswer: Record<string, unknown>) => ({
  name: 'echo mock',
  matchers: [{ type: 'url' as const, pattern: '*/hindsight.test.Echo/Say', syntax: 'wildcard' as const }],
  action: { type: 'mock' as const, grpc: grpcAnswer },
});

function say(note: Note): Promise<{ reply?: Note; err?: { code: number; details: string } }> {
  const c = echoClient(port, null);
  return new Promise((resolve) => {
    c.Say(note, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, reply) => {
      c.close();
      resolve(err ? { err: { code: err.code, details: err.details } } : { reply });
    });
  });
}

/** What a mocked call's flow must be, besides its response, gRPC status and messages. */
const mocked = (parts: { response: unknown; grpc: unknown; messages: unknown[] }) => ({
  state: 'completed',
  error: undefined,
  server: undefined,
  applied: ['mock'],
  request: { method: 'POST', url: `http://grpc.test:${port}/hindsight.test.Echo/Say`, httpVersion: '2', contentType: 'application/grpc' },
  ...parts,
});

/** The whole flow with its volatile parts normalised, and its messages decoded with the loaded .proto. */
async function recorded(): Promise<Record<string, unknown>> {
  const [flow] = await proxy.finishedFlows(1);
  const page = (await createApiHandlers(proxy.core)['flows.messages']({ id: flow.id })) as MessagePage;
  const s = stableFlow(flow) as unknown as Flow;
  return {
    state: s.state,
    error: s.error,
    server: s.server,
    applied: s.appliedRules.map((r) => r.kind),
    request: { method: s.request.method, url: s.request.url, httpVersion: s.request.httpVersion, contentType: s.request.body.contentType },
    response: s.response && { status: s.response.status, headers: s.response.headers, trailers: s.response.trailers, bodySize: s.response.body.size },
    grpc: s.grpc,
    messages: page.messages.map((m) => [m.dir, m.decoded?.fields.map((f) => `${f.name}=${f.value}`)]),
  };
}

test('a unary call mocked with status 14 and a message gets exactly that error; the flow records it', async () => {
  await proxy.core.rules.store.save(mockRule({ status: 14, message: 'down for ✓ maintenance' }));
  const result = await say({ text: 'hi', n: 1 });
  assert.deepEqual(result, { err: { code: grpc.status.UNAVAILABLE, details: 'down for ✓ maintenance' } });
  const trailers = [['grpc-status', '14'], ['grpc-message', 'down for %E2%9C%93 maintenance']];
  assert.deepEqual(
    await recorded(),
    mocked({
      response: { status: 200, headers: [['content-type', 'application/grpc+proto']], trailers, bodySize: 0 },
      grpc: { service: 'hindsight.test.Echo', method: 'Say', status: 14, message: 'down for ✓ maintenance', trailers },
      messages: [['to-server', ['text=hi', 'n=1']]],
    }),
  );
  assert.equal(heard, 0, 'the server heard nothing');
});

test('a unary call mocked with OK and a JSON reply gets the decoded reply; the flow records both messages', async () => {
  await proxy.core.rules.store.save(mockRule({ status: 0, json: { text: 'mocked', n: 7 } }));
  const result = await say({ text: 'ada', n: 2 });
  assert.deepEqual(result, { reply: { text: 'mocked', n: 7 } });
  const trailers = [['grpc-status', '0']];
  assert.deepEqual(
    await recorded(),
    mocked({
      // One message frame: 5 bytes of prefix + the protobuf of {text: 'mocked', n: 7} (8 + 2 bytes).
      response: { status: 200, headers: [['content-type', 'application/grpc+proto']], trailers, bodySize: 15 },
      grpc: { service: 'hindsight.test.Echo', method: 'Say', status: 0, trailers },
      messages: [
        ['to-server', ['text=ada', 'n=2']],
        ['to-client', ['text=mocked', 'n=7']],
      ],
    }),
  );
  assert.equal(heard, 0, 'the server heard nothing');
});

// A plain mock (no `grpc` part) answering a gRPC call gets the status gRPC's HTTP-to-gRPC table gives its HTTP
// status, with its status line and text as the message, instead of a protocol error; a mock that names its own
// grpc-status keeps it. The flow records the answer as sent: HTTP 200, the status as trailers, Flow.grpc.
const cases: { answer: { status: number; headers: Headers; body: string }; code: number; details: string; metadata: Headers; trailers: Headers }[] = [
  {
    answer: { status: 503, headers: [['content-type', 'text/plain'], ['x-served-by', 'mock']], body: 'down for\nmaintenance ✓' },
    code: grpc.status.UNAVAILABLE,
    details: 'HTTP 503 Service Unavailable: down for maintenance ✓',
    metadata: [['x-served-by', 'mock']],
    trailers: [['grpc-status', '14'], ['grpc-message', 'HTTP 503 Service Unavailable: down for maintenance %E2%9C%93']],
  },
  {
    answer: { status: 404, headers: [], body: '' },
    code: grpc.status.UNIMPLEMENTED,
    details: 'HTTP 404 Not Found',
    metadata: [],
    trailers: [['grpc-status', '12'], ['grpc-message', 'HTTP 404 Not Found']],
  },
  {
    answer: { status: 200, headers: [['content-type', 'application/json']], body: '{"ok":true}' },
    code: grpc.status.UNKNOWN,
    details: 'HTTP 200 OK: {"ok":true}',
    metadata: [],
    trailers: [['grpc-status', '2'], ['grpc-message', 'HTTP 200 OK: {"ok":true}']],
  },
  {
    // Written for gRPC by hand: its own status and message win over the HTTP status.
    answer: { status: 401, headers: [['grpc-status', '5'], ['grpc-message', 'no such note']], body: '' },
    code: grpc.status.NOT_FOUND,
    details: 'no such note',
    metadata: [],
    trailers: [['grpc-status', '5'], ['grpc-message', 'no such note']],
  },
];

test('a plain mock answering a unary gRPC call: the mapped status and message reach grpc-js; the flow shows them', async () => {
  const got: unknown[] = [];
  for (const c of cases) {
    const { rule } = await proxy.core.rules.store.save({
      name: 'plain mock',
      matchers: [{ type: 'url', pattern: '*/hindsight.test.Echo/Say', syntax: 'wildcard' }],
      action: { type: 'mock', ...c.answer },
    });
    got.push(await say({ text: 'hi', n: 1 }));
    await proxy.core.rules.store.delete([rule.id]);
  }
  const flows = await proxy.finishedFlows(cases.length);
  assert.deepEqual(
    {
      clients: got,
      flows: flows.map((f) => ({ state: f.state, applied: f.appliedRules.map((r) => r.kind), response: f.response && { status: f.response.status, headers: f.response.headers, trailers: f.response.trailers, bodySize: f.response.body.size }, grpc: f.grpc })),
      heard,
    },
    {
      clients: cases.map((c) => ({ err: { code: c.code, details: c.details } })),
      flows: cases.map((c) => ({
        state: 'completed',
        applied: ['mock'],
        response: { status: 200, headers: [['content-type', 'application/grpc+proto'], ...c.metadata], trailers: c.trailers, bodySize: 0 },
        grpc: { service: 'hindsight.test.Echo', method: 'Say', status: Number(c.trailers[0][1]), message: c.details, trailers: c.trailers },
      })),
      heard: 0,
    },
  );
});
