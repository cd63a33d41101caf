// gRPC-Web over HTTP/1.1 through the real proxy: a node:http origin speaking gRPC-Web framing (messages
// encoded by protobufjs from test/fixtures/grpc), a real client (undici fetch through the proxy). Each call's
// flow is checked whole: its messages decoded with field names (the core loaded the .proto folder), the
// status from the trailer frame, from the headers of a trailers-only answer, and the bodies passed unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetch } from 'undici';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import type { Flow } from '../../../electron/common/flow';
import type { FlowMessage, MessagePage } from '../../../electron/common/message';
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
after(() => bed.dispose());

async function call(method: string, request: Record<string, unknown>, contentType = 'application/grpc-web+proto'): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  let body = grpcFrame(0, HelloRequest.encode(HelloRequest.fromObject(request)).finish());
  const text = contentType.startsWith('application/grpc-web-text');
  if (text) body = Buffer.from(body.toString('base64'));
  const res = await fetch(`http://grpc.test:${origin.port}/demo.v1.Greeter/${method}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-grpc-web': '1', accept: contentType },
    body,
    dispatcher: agent,
  });
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: Object.fromEntries(res.headers), body: text ? decodeBase64Segments(raw.toString('latin1')) : raw };
}

/** The flow of the call to `method`, and its messages as the API returns them (decoded). */
async function recorded(method: string): Promise<{ flow: Flow; messages: Omit<FlowMessage, 'at' | 'base64'>[] }> {
  const url = `http://grpc.test:${origin.port}/demo.v1.Greeter/${method}`;
  const summary = proxy.core.store.query({ filter: `is:grpc` }).flows.find((f) => f.url === url && (f.state === 'completed' || f.state === 'failed'));
  assert.ok(summary, `no finished flow for ${url}`);
  const flow = (await proxy.core.store.get(summary.id))!;
  const handlers = createApiHandlers(proxy.core);
  const page = (await handlers['flows.messages']({ id: flow.id })) as MessagePage;
  for (const m of page.messages) assert.ok(m.at >= flow.startedAt && m.at <= Date.now(), `message ${m.seq} at ${m.at}`);
  return { flow, messages: page.messages.map(({ at: _at, base64: _b, ...m }) => m) };
}

describe('gRPC-Web over HTTP/1.1', () => {
  test('a unary call: request and reply decoded with field names, status OK from the trailer frame, bytes unchanged', async () => {
    const request = { name: 'Ada', times: 3, offset: '-2', scores: [1, 2, 300], mood: 'GRUMPY', inner: { note: 'n', code: 7 }, tags: { a: 1 }, ratio: 0.5, blob: Buffer.from([0xff, 0]), loud: true };
    const res = await call('SayHello', request);
    await proxy.finishedFlows(1);
    const { flow, messages } = await recorded('SayHello');
    // The client got the origin's frames as sent.
    assert.deepEqual(
      readFrames(res.body).map((f) => (f.flags & 0x80 ? f.payload.toString() : HelloReply.toObject(HelloReply.decode(f.payload), { longs: String, enums: String }))),
      [{ message: 'Hello, Ada', count: '9007199254740993', mood: 'HAPPY' }, 'grpc-status: 0\r\ngrpc-message: \r\n'],
    );
    assert.deepEqual(origin.received.at(-1)?.messages, [{ ...request, blob: Buffer.from([0xff, 0]) }]);
    assert.deepEqual(
      // The totals; where the log lives (`log`: a slice of a body segment when the call ended before its first write) is the store's business.
      { state: flow.state, status: flow.response?.status, grpc: flow.grpc, stats: flow.messages && { count: flow.messages.count, bytes: flow.messages.bytes, truncated: flow.messages.truncated }, filtered: proxy.core.store.query({ filter: 'grpc:OK' }).flows.map((f) => f.id) },
      {
        state: 'completed',
        status: 200,
        grpc: { service: 'demo.v1.Greeter', method: 'SayHello', web: true, status: 0, trailers: [['grpc-status', '0'], ['grpc-message', '']] },
        stats: { count: 2, bytes: messages[0].size + messages[1].size, truncated: false },
        filtered: [flow.id],
      },
    );
    const reqType = (n: string) => `demo.v1.${n}`;
    assert.deepEqual(messages, [
      {
        seq: 1,
        dir: 'to-server',
        kind: 'grpc',
        size: HelloRequest.encode(HelloRequest.fromObject(request)).finish().length,
        truncated: false,
        decoded: {
          type: reqType('HelloRequest'),
          fields: [
            { number: 1, wire: 'len', size: 3, as: 'text', value: 'Ada', name: 'name', type: 'string' },
            { number: 2, wire: 'varint', value: '3', name: 'times', type: 'int32' },
            { number: 3, wire: 'varint', value: '-2', name: 'offset', type: 'sint64' },
            { number: 4, wire: 'len', size: 4, as: 'packed', value: '[1, 2, 300]', name: 'scores', type: 'int32' },
            { number: 5, wire: 'varint', value: 'GRUMPY', name: 'mood', type: reqType('Mood') },
            {
              number: 6,
              wire: 'len',
              size: 8,
              as: 'message',
              fields: [
                { number: 1, wire: 'len', size: 1, as: 'text', value: 'n', name: 'note', type: 'string' },
                { number: 2, wire: 'fixed32', value: '7', name: 'code', type: 'fixed32' },
              ],
              name: 'inner',
              type: reqType('Inner'),
            },
            {
              number: 7,
              wire: 'len',
              size: 5,
              as: 'message',
              fields: [
                { number: 1, wire: 'len', size: 1, as: 'text', value: 'a', name: 'key', type: 'string' },
                { number: 2, wire: 'varint', value: '1', name: 'value', type: 'int32' },
              ],
              name: 'tags',
              type: 'map<string, int32>',
            },
            { number: 8, wire: 'fixed64', value: '0.5', name: 'ratio', type: 'double' },
            { number: 9, wire: 'len', size: 2, as: 'bytes', value: 'ff 00', name: 'blob', type: 'bytes' },
            { number: 10, wire: 'varint', value: 'true', name: 'loud', type: 'bool' },
          ],
        },
      },
      {
        seq: 2,
        dir: 'to-client',
        kind: 'grpc',
        size: messages[1].size,
        truncated: false,
        decoded: {
          type: reqType('HelloReply'),
          fields: [
            { number: 1, wire: 'len', size: 10, as: 'text', value: 'Hello, Ada', name: 'message', type: 'string' },
            { number: 2, wire: 'varint', value: '9007199254740993', name: 'count', type: 'int64' },
            { number: 3, wire: 'varint', value: 'HAPPY', name: 'mood', type: reqType('Mood') },
          ],
        },
      },
    ]);
  });

  test('server streaming in grpc-web-text: three replies (one gzip-compressed) and status 14 with its message', async () => {
    const res = await call('SayMany', { name: 'Bo' }, 'application/grpc-web-text');
    assert.equal(readFrames(res.body).length, 4);
    await proxy.finishedFlows(2);
    const { flow, messages } = await recorded('SayMany');
    assert.deepEqual(
      { grpc: flow.grpc, byFilter: ['grpc:UNAVAILABLE', 'grpc:14', 'grpc:error'].map((f) => proxy.core.store.query({ filter: f }).flows.map((s) => s.id)) },
      {
        grpc: { service: 'demo.v1.Greeter', method: 'SayMany', web: true, status: 14, message: 'backend gone', trailers: [['grpc-status', '14'], ['grpc-message', 'backend%20gone']] },
        byFilter: [[flow.id], [flow.id], [flow.id]],
      },
    );
    assert.deepEqual(
      messages.map((m) => ({ dir: m.dir, compressed: m.compressed, fields: m.decoded?.fields.map((f) => `${f.name}=${f.value}`) })),
      [
        { dir: 'to-server', compressed: undefined, fields: ['name=Bo'] },
        { dir: 'to-client', compressed: undefined, fields: ['message=one'] },
        { dir: 'to-client', compressed: true, fields: ['message=two', 'mood=GRUMPY'] },
        { dir: 'to-client', compressed: undefined, fields: ['message=three'] },
      ],
    );
  });

  test('a trailers-only answer: the status comes from the headers', async () => {
    const res = await call('Missing', { name: 'x' });
    assert.equal(res.headers['grpc-status'], '12');
    await proxy.finishedFlows(3);
    const { flow, messages } = await recorded('Missing');
    assert.deepEqual(
      { grpc: flow.grpc, messages: messages.map((m) => m.dir), filtered: proxy.core.store.query({ filter: 'grpc:UNIMPLEMENTED' }).flows.map((f) => f.id) },
      { grpc: { service: 'demo.v1.Greeter', method: 'Missing', web: true, status: 12, message: 'no such method' }, messages: ['to-server'], filtered: [flow.id] },
    );
  });
});

describe('hostile gRPC bodies', () => {
  test('a frame declaring 4 GB and sending 3 bytes passes through unchanged; the flow completes with what was seen', async () => {
    // Declares 0xFFFFFFFF bytes, sends 3: the tap counts, never allocates; the origin answers whatever it gets.
    const body = Buffer.concat([grpcFrame(0, HelloRequest.encode(HelloRequest.fromObject({ name: 'ok' })).finish()), Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3])]);
    const res = await fetch(`http://grpc.test:${origin.port}/demo.v1.Greeter/SayHello`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body, dispatcher: agent });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const url = `http://grpc.test:${origin.port}/demo.v1.Greeter/SayHello`;
    const flows = await proxy.finishedFlows(4);
    const flow = flows.filter((f) => f.request.url === url).at(-1)!;
    const page = (await createApiHandlers(proxy.core)['flows.messages']({ id: flow.id })) as MessagePage;
    assert.deepEqual(
      { state: flow.state, grpc: flow.grpc?.status, requestBody: flow.request.body.size, sent: page.messages.filter((m) => m.dir === 'to-server').map((m) => ({ size: m.size, truncated: m.truncated, kept: Buffer.from(m.base64 ?? '', 'base64').length })) },
      { state: 'completed', grpc: 3, requestBody: body.length, sent: [{ size: 4, truncated: false, kept: 4 }, { size: 0xffffffff, truncated: true, kept: 3 }] },
    );
  });
});
