// Response trailers reach the client and the flow also when a rule rewrote the response, and when an HTTP/1.1
// client is answered by an h2 origin that sent a Content-Length (issue 17): real Node http2 and http clients
// through the proxy, an h2 origin (helpers/h2.ts), and a real @grpc/grpc-js client and server whose call goes
// through a rewrite rule and must still end with the grpc-status trailers the client needs.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import tls from 'node:tls';
import { once } from 'node:events';
import type http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { Flow } from '../../../../electron/common/flow';
import type { Action } from '../../../../electron/common/rule';
import { startTestCore, type TestCore } from '../../../helpers/core';
import { originCa } from '../../../helpers/origin';
import { h2Request, h2ThroughProxy, startH2Origin, tunnel, type H2Origin } from '../../../helpers/h2';
import { bindEcho, ECHO_PROTO_DIR, Echo, echoClient, useGrpcProxy, type Note } from '../../../helpers/grpc-echo';

let h2origin: H2Origin;
let grpcServer: grpc.Server;
let grpcPort: number;
let proxy: TestCore;
const sessions: http2.ClientHttp2Session[] = [];

before(async () => {
  h2origin = await startH2Origin();
  grpcServer = new grpc.Server();
  grpcServer.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) {
      done(null, { text: `real ${call.request.text}`, n: 7 });
    },
  });
  grpcPort = await bindEcho(grpcServer, false);
});
after(async () => {
  grpcServer.forceShutdown();
  await h2origin.close();
});
beforeEach(async () => {
  proxy = await startTestCore({ protoDirs: [ECHO_PROTO_DIR], upstreamCa: [(await originCa()).ca.certPem] });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await proxy.dispose();
});

async function rule(pattern: string, action: Action): Promise<void> {
  await proxy.core.rules.store.save({ name: 'rewrite', matchers: [{ type: 'url', pattern, syntax: 'wildcard' }], action });
}

const upperBody: Action = { type: 'rewrite', responseBody: [{ find: 'body', replace: 'BODY', syntax: 'text' }] };

/** One HTTP/1.1 GET through a CONNECT tunnel and TLS (ALPN http/1.1): what the client read, trailers included. */
async function http1Get(host: string, port: number, path: string) {
  const socket = await tunnel(proxy.port, `${host}:${port}`);
  const secure = tls.connect({ socket, servername: host, ca: [proxy.caPem], ALPNProtocols: ['http/1.1'] });
  await once(secure, 'secureConnect');
  try {
    return await new Promise<{ status: number; framing: string; body: string; trailers: string[] }>((resolve, reject) => {
      const req = httpRequest({ createConnection: () => secure, path, headers: { host: `${host}:${port}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          const framing = res.headers['transfer-encoding'] ?? `content-length ${res.headers['content-length']}`;
          resolve({ status: res.statusCode ?? 0, framing, body: Buffer.concat(chunks).toString(), trailers: res.rawTrailers });
        });
      });
      req.once('error', reject);
      req.end();
    });
  } finally {
    secure.destroy();
  }
}

const whatFlowHas = (flow: Flow) => ({ state: flow.state, status: flow.response?.status, trailers: flow.response?.trailers, applied: flow.appliedRules.map((r) => r.kind) });
const ORIGIN_TRAILERS = [['x-checksum', 'abc'], ['x-count', '2']];

describe('response trailers', () => {
  test('an h2 client, a rule that rewrote the body: the server\'s trailers follow the new body', async () => {
    await rule('*/trailers', upperBody);
    const s = await h2ThroughProxy(proxy.port, 'h2.test', h2origin.tlsPort, proxy.caPem);
    sessions.push(s);
    const answer = await h2Request(s, { ':method': 'GET', ':path': '/trailers' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { client: { status: answer.status, body: answer.body, trailers: answer.trailers }, flow: whatFlowHas(flow) },
      {
        client: { status: 200, body: 'BODY', trailers: { 'x-checksum': 'abc', 'x-count': '2' } },
        flow: { state: 'completed', status: 200, trailers: ORIGIN_TRAILERS, applied: ['rewrite'] },
      },
    );
  });

  test('an HTTP/1.1 client, a rule that rewrote the body: the answer goes chunked with the trailers in its last chunk', async () => {
    await rule('*/trailers', upperBody);
    // The origin refuses http/1.1: the first request is sent again over h2 and the origin remembered.
    const answer = await http1Get('h2.test', h2origin.tlsPort, '/trailers');
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { client: answer, flow: whatFlowHas(flow) },
      {
        client: { status: 200, framing: 'chunked', body: 'BODY', trailers: ['x-checksum', 'abc', 'x-count', '2'] },
        flow: { state: 'completed', status: 200, trailers: ORIGIN_TRAILERS, applied: ['rewrite'] },
      },
    );
  });

  test('an HTTP/1.1 client, an h2 origin that sent Content-Length and announced trailers: chunked, trailers delivered', async () => {
    const answer = await http1Get('h2.test', h2origin.tlsPort, '/trailers-with-length');
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { client: answer, flow: whatFlowHas(flow) },
      {
        client: { status: 200, framing: 'chunked', body: 'body', trailers: ['x-checksum', 'abc', 'x-count', '2'] },
        flow: { state: 'completed', status: 200, trailers: ORIGIN_TRAILERS, applied: [] },
      },
    );
  });

  test('a gRPC call through a rule that rewrote the response: the client gets the reply and grpc-status, the flow the status', async () => {
    await rule('*/hindsight.test.Echo/Say', { type: 'rewrite', responseHeaders: [{ op: 'set', name: 'x-rewritten', value: 'yes' }] });
    const restore = useGrpcProxy(proxy.proxyUrl);
    try {
      const client = echoClient(grpcPort, null);
      const result = await new Promise<{ reply?: Note; err?: string; rewritten?: string }>((resolve) => {
        let rewritten: string | undefined;
        const call = client.Say({ text: 'hi', n: 1 }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, reply) => {
          client.close();
          resolve(err ? { err: `${err.code} ${err.details}` } : { reply, rewritten });
        });
        call.on('metadata', (m: grpc.Metadata) => (rewritten = String(m.get('x-rewritten')[0])));
      });
      const [flow] = await proxy.finishedFlows(1);
      assert.deepEqual(
        { result, flow: { ...whatFlowHas(flow), grpc: { status: flow.grpc?.status, method: flow.grpc?.method } } },
        {
          result: { reply: { text: 'real hi', n: 7 }, rewritten: 'yes' },
          flow: { state: 'completed', status: 200, trailers: [['grpc-status', '0'], ['grpc-message', 'OK']], applied: ['rewrite'], grpc: { status: 0, method: 'Say' } },
        },
      );
    } finally {
      restore();
    }
  });
});
