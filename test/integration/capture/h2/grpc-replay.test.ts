// Replay of a gRPC unary call (API flows.replay): the recorded call, made by a real @grpc/grpc-js client through
// the proxy, is sent again over HTTP/2 and reaches the grpc-js server with the same message and metadata; the
// replayed flow carries the server's answer, status and decoded messages like the original. TLS (the origin
// signed by the test CA) and insecure (h2c).
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createApiHandlers } from '../../../../electron/core/api/handlers';
import type { MessagePage } from '../../../../electron/common/message';
import type { Flow } from '../../../../electron/common/flow';
import { originCa } from '../../../helpers/origin';
import { startTestCore, type TestCore } from '../../../helpers/core';

interface Note {
  text: string;
  n: number;
}
type EchoClient = grpc.Client & {
  Say(note: Note, metadata: grpc.Metadata, options: grpc.CallOptions, done: (err: grpc.ServiceError | null, reply?: Note) => void): grpc.ClientUnaryCall;
};

const fixtures = path.join(__dirname, 'fixtures');
const definition = protoLoader.loadSync(path.join(fixtures, 'echo.proto'), { keepCase: true, defaults: true });
const Echo = (grpc.loadPackageDefinition(definition) as unknown as { hindsight: { test: { Echo: grpc.ServiceClientConstructor } } }).hindsight.test.Echo;

let server: grpc.Server;
let tlsPort: number;
let plainPort: number;
let proxy: TestCore;
/** What the server heard: the message and the caller's x-user metadata, per call. */
const heard: { note: Note; user: unknown }[] = [];
const savedProxy = { grpc_proxy: process.env.grpc_proxy, no_grpc_proxy: process.env.no_grpc_proxy, no_proxy: process.env.no_proxy };

function bind(credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, port) => (err ? reject(err) : resolve(port))));
}

before(async () => {
  server = new grpc.Server();
  server.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) {
      heard.push({ note: { ...call.request }, user: call.metadata.get('x-user')[0] });
      done(null, { text: `heard ${call.request.text}`, n: heard.length });
    },
  });
  const { ca } = await originCa();
  const leaf = ca.leafFor('grpc.test');
  tlsPort = await bind(grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(leaf.key), cert_chain: Buffer.from(leaf.cert) }]));
  plainPort = await bind(grpc.ServerCredentials.createInsecure());
});
after(() => {
  server.forceShutdown();
  for (const [name, value] of Object.entries(savedProxy)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
beforeEach(async () => {
  const { ca } = await originCa();
  proxy = await startTestCore({ upstreamCa: [ca.certPem], protoDirs: [fixtures] });
  process.env.grpc_proxy = proxy.proxyUrl;
  delete process.env.no_grpc_proxy;
  delete process.env.no_proxy;
  heard.length = 0;
});
afterEach(() => proxy.dispose());

function say(secure: boolean, note: Note): Promise<Note | undefined> {
  const credentials = secure ? grpc.credentials.createSsl(Buffer.from(proxy.caPem)) : grpc.credentials.createInsecure();
  const c = new Echo(`grpc.test:${secure ? tlsPort : plainPort}`, credentials) as unknown as EchoClient;
  const metadata = new grpc.Metadata();
  metadata.set('x-user', 'ada');
  return new Promise((resolve, reject) => {
    c.Say(note, metadata, { deadline: Date.now() + 10_000 }, (err, reply) => {
      c.close();
      if (err) reject(err);
      else resolve(reply);
    });
  });
}

/** What a call's flow says: protocol, call, status and its messages decoded with echo.proto. */
async function shape(flow: Flow) {
  const page = (await createApiHandlers(proxy.core)['flows.messages']({ id: flow.id })) as MessagePage;
  return {
    state: flow.state,
    httpVersion: flow.request.httpVersion,
    url: flow.request.url,
    grpc: flow.grpc,
    alpn: flow.server?.tls?.alpn ?? null,
    messages: page.messages.map((m) => [m.dir, m.decoded?.fields.map((f) => `${f.name}=${f.value}`)]),
  };
}

for (const secure of [true, false]) {
  test(`a replayed gRPC unary call (${secure ? 'TLS' : 'h2c'}) reaches the server with the same message and metadata`, async () => {
    assert.deepEqual(await say(secure, { text: 'once more', n: 5 }), { text: 'heard once more', n: 1 });
    const [original] = await proxy.finishedFlows(1);
    const { results } = await createApiHandlers(proxy.core)['flows.replay']({ ids: [original.id] });
    assert.ok(results.length === 1 && 'flow' in results[0], JSON.stringify(results));
    const replayed = (await createApiHandlers(proxy.core)['flows.get']({ id: results[0].flow.id })) as Flow;
    const url = `${secure ? 'https' : 'http'}://grpc.test:${secure ? tlsPort : plainPort}/hindsight.test.Echo/Say`;
    const call = (n: number) => ({
      state: 'completed',
      httpVersion: '2',
      url,
      grpc: { service: 'hindsight.test.Echo', method: 'Say', status: 0, message: 'OK', trailers: [['grpc-status', '0'], ['grpc-message', 'OK']] },
      alpn: secure ? 'h2' : null,
      messages: [
        ['to-server', ['text=once more', 'n=5']],
        ['to-client', ['text=heard once more', `n=${n}`]],
      ],
    });
    assert.deepEqual(
      { heard, replayOf: replayed.replayOf, original: await shape(original), replayed: await shape(replayed) },
      { heard: [1, 2].map(() => ({ note: { text: 'once more', n: 5 }, user: 'ada' })), replayOf: original.id, original: call(1), replayed: call(2) },
    );
  });
}
