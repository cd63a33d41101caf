// gRPC through the proxy with @grpc/grpc-js on both ends (a real server and client on loopback, a small
// .proto): unary, server streaming and bidi streaming, over TLS (the origin signed by the test CA, the client
// trusting Hindsight's CA) and insecure (h2c inside the CONNECT tunnel), the client finding the proxy through
// `grpc_proxy` as users configure it. Messages, metadata, grpc-status trailers and deadlines pass intact, and
// each call is one flow over HTTP/2 with its trailers recorded.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { originCa } from '../../../helpers/origin';
import { stableFlow, startTestCore, type TestCore } from '../../../helpers/core';
import { bindEcho, Echo, echoClient, useGrpcProxy, type EchoClient, type Note } from '../../../helpers/grpc-echo';
import type { Flow } from '../../../../electron/common/flow';

let server: grpc.Server;
let seenDeadline: grpc.Deadline | undefined;
let tlsPort: number;
let plainPort: number;
let proxy: TestCore;
let restoreEnv: () => void;

before(async () => {
  server = new grpc.Server();
  server.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) {
      if (call.request.text === 'missing') return done({ code: grpc.status.NOT_FOUND, details: 'no such note' });
      if (call.request.text === 'slow') {
        // Answers after the caller's deadline; records the deadline the server was told (grpc-timeout).
        seenDeadline = call.getDeadline();
        setTimeout(() => done(null, { text: 'late', n: 0 }), 1_500).unref();
        return;
      }
      call.sendMetadata(new grpc.Metadata());
      const trailer = new grpc.Metadata();
      trailer.set('x-served-by', 'echo');
      done(null, { text: `said ${call.request.text} to ${String(call.metadata.get('x-user')[0])}`, n: call.request.n + 1 }, trailer);
    },
    Count(call: grpc.ServerWritableStream<Note, Note>) {
      for (let i = 1; i <= call.request.n; i++) call.write({ text: call.request.text, n: i });
      call.end();
    },
    Chat(call: grpc.ServerDuplexStream<Note, Note>) {
      call.on('data', (note: Note) => call.write({ text: `echo ${note.text}`, n: note.n }));
      call.on('end', () => call.end());
    },
  });
  tlsPort = await bindEcho(server, true);
  plainPort = await bindEcho(server, false);
});
after(() => server.forceShutdown());
beforeEach(async () => {
  const { ca } = await originCa();
  proxy = await startTestCore({ upstreamCa: [ca.certPem] });
  restoreEnv = useGrpcProxy(proxy.proxyUrl);
});
afterEach(async () => {
  restoreEnv();
  await proxy.dispose();
});

function client(secure: boolean): EchoClient {
  return echoClient(secure ? tlsPort : plainPort, secure ? proxy.caPem : null);
}

function metadata(): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('x-user', 'ada');
  return m;
}

function unary(c: EchoClient, note: Note, deadlineMs = 10_000): Promise<{ reply?: Note; err?: { code: number; details: string }; trailers?: Record<string, unknown> }> {
  return new Promise((resolve) => {
    let trailers: Record<string, unknown> | undefined;
    const call = c.Say(note, metadata(), { deadline: Date.now() + deadlineMs }, (err, reply) => {
      setImmediate(() => resolve(err ? { err: { code: err.code, details: err.details } } : { reply, trailers }));
    });
    call.on('status', (status: grpc.StatusObject) => (trailers = status.metadata.getMap()));
  });
}

function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('end', () => resolve(items));
    stream.on('error', reject);
  });
}

/** What a gRPC flow must show, whatever the call: h2 on both sides, the path, grpc-status in the trailers. */
function callShape(flow: Flow) {
  const s = stableFlow(flow) as unknown as Flow;
  return {
    state: s.state,
    method: s.request.method,
    url: s.request.url,
    httpVersion: s.request.httpVersion,
    contentType: s.request.body.contentType,
    userMetadata: s.request.headers.filter(([n]) => n === 'x-user'),
    status: s.response?.status,
    pseudo: s.response?.pseudoHeaders,
    trailers: s.response?.trailers?.filter(([n]) => n === 'grpc-status' || n === 'grpc-message' || n === 'x-served-by'),
    alpn: s.server?.tls?.alpn ?? null,
    stream: typeof s.http2?.stream,
  };
}

for (const secure of [true, false]) {
  const scheme = secure ? 'https' : 'http';
  describe(`gRPC ${secure ? 'over TLS' : 'insecure (h2c)'} through grpc_proxy`, () => {
    test('unary, server streaming and bidi calls pass intact, each one flow with its trailers', async () => {
      const c = client(secure);
      try {
        const said = await unary(c, { text: 'hi', n: 41 });
        const counted = await collect<Note>(c.Count({ text: 'tick', n: 3 }, metadata()));
        const chat = c.Chat(metadata());
        const chatted = collect<Note>(chat);
        chat.write({ text: 'one', n: 1 });
        chat.write({ text: 'two', n: 2 });
        chat.end();
        const missing = await unary(c, { text: 'missing', n: 0 });
        assert.deepEqual(
          { said, counted, chatted: await chatted, missing },
          {
            said: { reply: { text: 'said hi to ada', n: 42 }, trailers: { 'x-served-by': 'echo' } },
            counted: [1, 2, 3].map((n) => ({ text: 'tick', n })),
            chatted: [{ text: 'echo one', n: 1 }, { text: 'echo two', n: 2 }],
            missing: { err: { code: grpc.status.NOT_FOUND, details: 'no such note' } },
          },
        );
        const port = secure ? tlsPort : plainPort;
        const flows = await proxy.finishedFlows(4);
        const call = (name: string, trailers: [string, string][]) => ({
          state: 'completed', method: 'POST', url: `${scheme}://grpc.test:${port}/hindsight.test.Echo/${name}`, httpVersion: '2', contentType: 'application/grpc',
          userMetadata: [['x-user', 'ada']], status: 200, pseudo: [[':status', '200']], trailers, alpn: secure ? 'h2' : null, stream: 'number',
        });
        assert.deepEqual(flows.map(callShape), [
          call('Say', [['grpc-status', '0'], ['grpc-message', 'OK'], ['x-served-by', 'echo']]),
          call('Count', [['grpc-status', '0'], ['grpc-message', 'OK']]),
          call('Chat', [['grpc-status', '0'], ['grpc-message', 'OK']]),
          // A failed call is answered "trailers-only": grpc-status rides on the response headers, no trailers.
          { ...call('Say', undefined as unknown as [string, string][]), trailers: undefined },
        ]);
        assert.deepEqual(flows[3].response?.headers.filter(([n]) => n.startsWith('grpc-')), [['grpc-status', '5'], ['grpc-message', 'no%20such%20note']]);
        // The streamed messages crossed as length-prefixed frames: 5 bytes of prefix + the protobuf per message.
        assert.deepEqual(flows.map((f) => f.request.body.size > 0 && (f.response?.body.size ?? 0) >= 0), [true, true, true, true]);
      } finally {
        c.close();
      }
    });

    test('a deadline reaches the server (grpc-timeout) and the call ends as DEADLINE_EXCEEDED', async () => {
      const c = client(secure);
      try {
        seenDeadline = undefined;
        const sentAt = Date.now();
        const result = await unary(c, { text: 'slow', n: 1 }, 600);
        const [flow] = await proxy.finishedFlows(1);
        const timeout = flow.request.headers.find(([n]) => n === 'grpc-timeout')?.[1] ?? '';
        const deadline = seenDeadline as Date | number | undefined;
        const deadlineMs = deadline === undefined ? NaN : Number(deadline) - sentAt;
        assert.deepEqual(
          { code: result.err?.code, timeoutHeader: /^\d+[mu]$/.test(timeout), serverDeadlineWithin: deadlineMs > 0 && deadlineMs <= 5_000 ? true : deadlineMs },
          { code: grpc.status.DEADLINE_EXCEEDED, timeoutHeader: true, serverDeadlineWithin: true },
        );
      } finally {
        c.close();
      }
    });
  });
}
