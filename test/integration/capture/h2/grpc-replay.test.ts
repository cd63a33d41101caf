// Replay of a gRPC unary call (API flows.replay): the recorded call, made by a real @grpc/grpc-js client through
// the proxy, is sent again over HTTP/2 and reaches the grpc-js server with the same message and metadata; the
// replayed flow carries the server's answer, status and decoded messages like the original. TLS (the origin
// signed by the test CA) and insecure (h2c).
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createApiHandlers } from '../../../../electron/core/api/handlers';
import type { MessagePage } from '../../../../electron/common/message';
import type { Flow } from '../../../../electron/common/flow';
import { originCa } from '../../../helpers/origin';
import { startTestCore, type TestCore } from '../../../helpers/core';
import { bindEcho, ECHO_PROTO_DIR, Echo, echoClient, useGrpcProxy, type Note } from '../../../helpers/grpc-echo';

let server: grpc.Server;
let tlsPort: number;
let plainPort: number;
let proxy: TestCore;
let restoreEnv: () => void;
/** What the server heard: the message and the caller's x-user metadata, per call. */
const heard: { note: Note; user: unknown }[] = [];

before(async () => {
  server = new grpc.Server();
  server.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) {
      heard.push({ note: { ...call.request }, user: call.metadata.get('x-user')[0] });
      done(null, { text: `heard ${call.request.text}`, n: heard.length });
    },
  });
  tlsPort = await bindEcho(server, true);
  plainPort = await bindEcho(server, false);
});
after(() => server.forceShutdown());
beforeEach(async () => {
  const { ca } = await originCa();
  proxy = await startTestCore({ upstreamCa: [ca.certPem], protoDirs: [ECHO_PROTO_DIR] });
  restoreEnv = useGrpcProxy(proxy.proxyUrl);
  heard.length = 0;
});
afterEach(async () => {
  restoreEnv();
  await proxy.dispose();
});

function say(secure: boolean, note: Note): Promise<Note | undefined> {
  const c = echoClient(secure ? tlsPort : plainPort, secure ? proxy.caPem : null);
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
