/**
 * `--log-bodies` lines over real traffic: requests through the proxy to a local origin that answers JSON,
 * text, binary, gzip and large bodies and sets a cookie; the logger reads the stored bodies after each flow
 * finished. Lines are checked whole (only the Date header and times normalised).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { FlowLogger } from '../../../electron/core/log/flow-logger';
import { lineString } from '../../../electron/core/log/detailed-line';
import { startTestCore, type TestCore } from '../../helpers/core';

const BINARY = Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47]);
const LARGE = 'abcdefghij'.repeat(300);
const LOGIN_ANSWER = JSON.stringify({ token: 'abc.def.ghi', user: { name: 'ann', apiKey: 'k-123', roles: ['qa'] } });

let origin: http.Server;
let originPort: number;
let t: TestCore;
const lines: string[] = [];
let logger: FlowLogger;

before(async () => {
  origin = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/login') {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=s3cr3t; HttpOnly', date: 'Fri, 04 Dec 2026 00:00:00 GMT' });
        return res.end(LOGIN_ANSWER);
      }
      res.setHeader('date', 'Fri, 04 Dec 2026 00:00:00 GMT');
      if (path === '/text') return res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('hello, Zoë\n');
      if (path === '/binary') return res.writeHead(200, { 'content-type': 'image/png' }).end(BINARY);
      if (path === '/gzip') return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync('{"zipped":true}'));
      if (path === '/large') return res.writeHead(200, { 'content-type': 'text/plain' }).end(LARGE);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
  t = await startTestCore({ onFlowFinished: (flow) => logger.push(flow) });
  // As `serve --log-bodies` sets it up: identity-encoded bodies are taken from the ones the store keeps in
  // memory (lines built without waiting), encoded ones (gzip below) read back and decoded.
  t.core.store.bodies.keepRecent?.(1024 * 1024);
  logger = new FlowLogger({
    write: (text) => void lines.push(lineString(text)),
    read: (ref) => t.core.store.bodies.read(ref),
    readKept: (ref) => t.core.store.bodies.readKept?.(ref),
    bodyLimit: 1024,
  });
});

after(async () => {
  await t?.dispose();
  await new Promise((resolve) => origin.close(resolve));
});

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: t.port, method, path: `http://api.test:${originPort}${path}`, headers, agent: false });
    req.on('response', (res) => res.resume().on('end', resolve));
    req.on('error', reject);
    req.end(body);
  });
}

/** The next line, parsed, with the fields that vary by run replaced by their type. */
async function nextLine(): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const text = lines.shift();
  assert.ok(text, 'a log line');
  assert.ok(text.endsWith('\n') && !text.slice(0, -1).includes('\n'), 'one line');
  const line = JSON.parse(text);
  return { ...line, id: typeof line.id, time: typeof line.time, latencyMs: typeof line.latencyMs, clientPort: typeof line.clientPort, requestId: line.requestId === line.id ? 'flow id' : line.requestId };
}

const base = (path: string, extra: Record<string, unknown>) => ({
  id: 'string',
  time: 'string',
  clientIp: '127.0.0.1',
  clientPort: 'number',
  latencyMs: 'number',
  url: `http://api.test:${originPort}${path}`,
  query: null,
  error: null,
  requestBody: null,
  requestBodyEncoding: 'text',
  requestBodyTruncated: false,
  requestBytes: 0,
  requestContentType: null,
  requestId: 'flow id',
  ...extra,
});

test('JSON request and response: credentials, cookies and secret fields masked; the X-Request-Id is the request id', async () => {
  const body = JSON.stringify({ user: 'ann', password: 'hunter2', remember: true });
  await send('POST', '/login?api_key=zzz&lang=en', { 'content-type': 'application/json', authorization: 'Bearer very-secret', cookie: 'a=b', 'x-request-id': 'req-42', 'user-agent': 'svc-test' }, body);
  assert.deepEqual(await nextLine(), base('/login?api_key=***&lang=en', {
    method: 'POST',
    query: 'api_key=***&lang=en',
    status: 200,
    userAgent: 'svc-test',
    requestBytes: body.length,
    responseBytes: LOGIN_ANSWER.length,
    contentType: 'application/json',
    requestContentType: 'application/json',
    requestId: 'req-42',
    requestHeaders: { 'content-type': 'application/json', authorization: '***', cookie: '***', 'x-request-id': 'req-42', 'user-agent': 'svc-test', host: `127.0.0.1:${t.port}`, connection: 'close', 'content-length': String(body.length) },
    responseHeaders: { 'content-type': 'application/json', 'set-cookie': '***', date: 'Fri, 04 Dec 2026 00:00:00 GMT', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked' },
    requestBody: '{"user":"ann","password":"***","remember":true}',
    responseBody: '{"token":"***","user":{"name":"ann","apiKey":"***","roles":["qa"]}}',
    responseBodyEncoding: 'text',
    responseBodyTruncated: false,
  }));
});

test('text, binary (base64, marked), gzip (decoded) and a body past the limit (cut, marked)', async () => {
  const common = { method: 'GET', status: 200, userAgent: null, requestHeaders: { host: `127.0.0.1:${t.port}`, connection: 'close' } };
  const responseHeaders = (type: string, extra: Record<string, string> = {}) => ({ date: 'Fri, 04 Dec 2026 00:00:00 GMT', 'content-type': type, ...extra, connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked' });
  await send('GET', '/text');
  assert.deepEqual(await nextLine(), base('/text', {
    ...common, responseBytes: 12, contentType: 'text/plain; charset=utf-8', responseHeaders: responseHeaders('text/plain; charset=utf-8'),
    responseBody: 'hello, Zoë\n', responseBodyEncoding: 'text', responseBodyTruncated: false,
  }));
  await send('GET', '/binary');
  assert.deepEqual(await nextLine(), base('/binary', {
    ...common, responseBytes: BINARY.length, contentType: 'image/png', responseHeaders: responseHeaders('image/png'),
    responseBody: BINARY.toString('base64'), responseBodyEncoding: 'base64', responseBodyTruncated: false,
  }));
  await send('GET', '/gzip');
  const gzipLength = zlib.gzipSync('{"zipped":true}').length;
  assert.deepEqual(await nextLine(), base('/gzip', {
    ...common, responseBytes: gzipLength, contentType: 'application/json', responseHeaders: responseHeaders('application/json', { 'content-encoding': 'gzip' }),
    responseBody: '{"zipped":true}', responseBodyEncoding: 'text', responseBodyTruncated: false,
  }));
  await send('GET', '/large');
  assert.deepEqual(await nextLine(), base('/large', {
    ...common, responseBytes: LARGE.length, contentType: 'text/plain', responseHeaders: responseHeaders('text/plain'),
    responseBody: LARGE.slice(0, 1024), responseBodyEncoding: 'text', responseBodyTruncated: true,
  }));
});

test('lines come out in the order flows finished, one per flow', async () => {
  for (let i = 0; i < 20; i++) await send('GET', `/text?i=${i}`);
  await logger.flush();
  const deadline = Date.now() + 15_000;
  while (lines.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lines.splice(0).map((l) => JSON.parse(l).query), Array.from({ length: 20 }, (_, i) => `i=${i}`));
});
