// A mock rule answering unary gRPC-Web calls through the real proxy (undici fetch as the client): the reply is
// encoded from JSON with the response type of the loaded .proto, the status travels in a 0x80 trailer frame
// (base64 for grpc-web-text), and the flow records both messages and the status. No server is contacted.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetch } from 'undici';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import type { MessagePage } from '../../../electron/common/message';
import type { TestCore } from '../../helpers/core';
import { decodeBase64Segments, grpcFrame, loadDemoProto, readFrames, startGrpcWebBed, type GrpcWebBed, type GrpcWebOrigin } from '../../helpers/grpc-web';

let bed: GrpcWebBed;
let proxy: TestCore;
let origin: GrpcWebOrigin;
let agent: GrpcWebBed['agent'];
const { HelloRequest, HelloReply } = loadDemoProto();

before(async () => {
  bed = await startGrpcWebBed();
  ({ proxy, origin, agent } = bed);
});
afterEach(async () => {
  const store = proxy.core.rules.store;
  await store.delete(store.list().map((r) => r.rule.id));
  await proxy.core.store.clear({ includePinned: true });
});
after(() => bed.dispose());

async function call(contentType: string, name: string) {
  let body = grpcFrame(0, HelloRequest.encode(HelloRequest.fromObject({ name })).finish());
  const text = contentType.includes('text');
  if (text) body = Buffer.from(body.toString('base64'));
  const res = await fetch(`http://grpc.test:${origin.port}/demo.v1.Greeter/SayHello`, { method: 'POST', headers: { 'content-type': contentType }, body, dispatcher: agent });
  const raw = Buffer.from(await res.arrayBuffer());
  const frames = readFrames(text ? decodeBase64Segments(raw.toString('latin1')) : raw);
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    frames: frames.map((f) => (f.flags & 0x80 ? f.payload.toString() : HelloReply.toObject(HelloReply.decode(f.payload), { longs: String, enums: String }))),
  };
}

const mockRule = (grpc: Record<string, unknown>) => ({ name: 'greeter mock', matchers: [{ type: 'url' as const, pattern: '*/demo.v1.Greeter/SayHello', syntax: 'wildcard' as const }], action: { type: 'mock' as const, grpc } });

describe('gRPC mock rule', () => {
  test('answers a unary gRPC-Web call with a reply built from JSON and status OK; the flow records both messages', async () => {
    await proxy.core.rules.store.save(mockRule({ status: 0, json: { message: 'mocked hello', count: '12', mood: 'HAPPY' } }));
    const before = origin.received.length;
    const res = await call('application/grpc-web+proto', 'Ada');
    assert.deepEqual(res, { status: 200, contentType: 'application/grpc-web+proto', frames: [{ message: 'mocked hello', count: '12', mood: 'HAPPY' }, 'grpc-status: 0\r\n'] });
    assert.equal(origin.received.length, before, 'the origin heard nothing');
    const [flow] = await proxy.finishedFlows(1);
    const page = (await createApiHandlers(proxy.core)['flows.messages']({ id: flow.id })) as MessagePage;
    assert.deepEqual(
      { grpc: flow.grpc, applied: flow.appliedRules.map((r) => r.kind), server: flow.server, messages: page.messages.map((m) => [m.dir, m.decoded?.fields.map((f) => `${f.name}=${f.value}`)]) },
      {
        grpc: { service: 'demo.v1.Greeter', method: 'SayHello', web: true, status: 0, trailers: [['grpc-status', '0']] },
        applied: ['mock'],
        server: undefined,
        messages: [
          ['to-server', ['name=Ada']],
          ['to-client', ['message=mocked hello', 'count=12', 'mood=HAPPY']],
        ],
      },
    );
  });

  test('answers grpc-web-text with an error status and a percent-encoded message, no reply message', async () => {
    await proxy.core.rules.store.save(mockRule({ status: 7, message: 'no entry ✓ 100%' }));
    const res = await call('application/grpc-web-text', 'Bo');
    assert.deepEqual(res, { status: 200, contentType: 'application/grpc-web-text+proto', frames: ['grpc-status: 7\r\ngrpc-message: no entry %E2%9C%93 100%25\r\n'] });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(flow.grpc, { service: 'demo.v1.Greeter', method: 'SayHello', web: true, status: 7, message: 'no entry ✓ 100%', trailers: [['grpc-status', '7'], ['grpc-message', 'no entry %E2%9C%93 100%25']] });
    assert.deepEqual(proxy.core.store.query({ filter: 'grpc:PERMISSION_DENIED' }).flows.map((f) => f.id), [flow.id]);
  });

  test('a reply that does not fit the schema fails the flow with a line saying what to fix; a bad rule is refused on save', async () => {
    await proxy.core.rules.store.save(mockRule({ status: 0, json: { mesage: 'typo' } }));
    const res = await fetch(`http://grpc.test:${origin.port}/demo.v1.Greeter/SayHello`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: grpcFrame(0, ''), dispatcher: agent });
    assert.equal(res.status, 502);
    assert.match(await res.text(), /does not fit demo\.v1\.HelloReply: it has no field mesage/);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(flow.error, { phase: 'rule', message: "the gRPC mock's reply does not fit demo.v1.HelloReply: it has no field mesage" });
    await assert.rejects(proxy.core.rules.store.save(mockRule({ status: 99 })), /grpc\.status/);
    await assert.rejects(proxy.core.rules.store.save(mockRule({ status: 0, json: '[1]' })), /must be a JSON object/);
  });
});
