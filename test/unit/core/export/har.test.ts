import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { HarValidator } from '@har-sdk/validator';
import type { Content, Har } from 'har-format';
import { toHarEntry, writeHar } from '../../../../electron/core/export/har';
import type { ExportRecord } from '../../../../electron/core/export/records';
import type { BodyRef, Flow } from '../../../../electron/common/flow';
import { makeFlow } from '../../../helpers/flows';
import { TextSink } from './collect';

const ref = (stored: Buffer, extra: Partial<BodyRef> = {}): BodyRef => ({ size: stored.length, storedSize: stored.length, truncated: false, blob: 'b', ...extra });
const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function responseFlow(body: Buffer, headers: [string, string][], extra: Partial<BodyRef> = {}): Flow {
  return makeFlow({
    response: { status: 200, statusText: 'OK', headers, body: ref(body, { contentType: headers.find(([n]) => n === 'Content-Type')?.[1], ...extra }) },
  });
}

async function harOf(records: ExportRecord[]): Promise<Har> {
  const sink = new TextSink();
  const { count } = await writeHar(records, sink, { version: '9.9.9' });
  assert.equal(count, records.length);
  return JSON.parse(sink.text) as Har;
}

describe('HAR export', () => {
  it('writes a document the HAR 1.2 schema accepts, with every kind of body', async () => {
    const json = Buffer.from('{"ok":true,"name":"Zoë"}');
    const gzip = zlib.gzipSync(json);
    const br = zlib.brotliCompressSync(json);
    const deflate = zlib.deflateSync(json);
    const big = Buffer.alloc(300_000, 'x');
    const records: ExportRecord[] = [
      { flow: responseFlow(json, [['Content-Type', 'application/json']]), request: null, response: json },
      { flow: responseFlow(gzip, [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], { encoding: 'gzip' }), request: null, response: gzip },
      { flow: responseFlow(br, [['Content-Type', 'application/json'], ['Content-Encoding', 'br']], { encoding: 'br' }), request: null, response: br },
      { flow: responseFlow(deflate, [['Content-Type', 'application/json'], ['Content-Encoding', 'deflate']], { encoding: 'deflate' }), request: null, response: deflate },
      { flow: responseFlow(png, [['Content-Type', 'image/png']]), request: null, response: png },
      { flow: responseFlow(big, [['Content-Type', 'text/plain']]), request: null, response: big },
      { flow: makeFlow({ state: 'failed', error: { phase: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:9' } }), request: null, response: null },
    ];
    const har = await harOf(records);
    assert.deepStrictEqual(await new HarValidator().verify(har as Parameters<HarValidator["verify"]>[0]), []);
    assert.deepStrictEqual(
      har.log.entries.map((e) => ({ text: e.response.content.text?.slice(0, 40), encoding: e.response.content.encoding, size: e.response.content.size, compression: e.response.content.compression })),
      [
        { text: '{"ok":true,"name":"Zoë"}', encoding: undefined, size: json.length, compression: undefined },
        { text: '{"ok":true,"name":"Zoë"}', encoding: undefined, size: json.length, compression: json.length - gzip.length },
        { text: '{"ok":true,"name":"Zoë"}', encoding: undefined, size: json.length, compression: json.length - br.length },
        { text: '{"ok":true,"name":"Zoë"}', encoding: undefined, size: json.length, compression: json.length - deflate.length },
        { text: png.toString('base64').slice(0, 40), encoding: 'base64', size: png.length, compression: undefined },
        { text: 'x'.repeat(40), encoding: undefined, size: big.length, compression: undefined },
        { text: undefined, encoding: undefined, size: 0, compression: undefined },
      ],
    );
    assert.equal(har.log.entries[5].response.content.text?.length, big.length, 'no size cap on bodies');
    assert.deepStrictEqual(har.log.creator, { name: 'Hindsight', version: '9.9.9' });
  });

  it('maps a whole flow: request, response, cookies, timings, addresses and Hindsight fields', async () => {
    const body = Buffer.from('a=1&b=%20');
    const respBody = Buffer.from('{"id":7}');
    const flow = makeFlow({
      id: 'f-1',
      startedAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
      client: { ip: '127.0.0.2', port: 50123 },
      server: { host: 'api.test', port: 443, ip: '127.0.0.9', tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: 'api.test' } },
      request: {
        method: 'POST',
        url: 'https://api.test/v1/items?q=a+b&x=%2F&flag',
        httpVersion: '1.1',
        headers: [['Host', 'api.test'], ['Cookie', 'sid=abc; theme=dark'], ['Content-Type', 'application/x-www-form-urlencoded'], ['X-Dup', '1'], ['X-Dup', '2']],
        body: ref(body, { contentType: 'application/x-www-form-urlencoded' }),
      },
      response: {
        status: 201,
        statusText: 'Created',
        headers: [['Content-Type', 'application/json'], ['Set-Cookie', 'sid=new; Path=/; HttpOnly; Secure'], ['Location', '/v1/items/7']],
        body: ref(respBody, { contentType: 'application/json' }),
      },
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, sendMs: 0.5, waitMs: 10, receiveMs: 1.5, totalMs: 18, reusedConnection: false },
      appliedRules: [{ id: 'r1', kind: 'map-remote', name: 'to staging' }],
      replayOf: 'f-0',
      pinned: true,
      tags: ['bug-12'],
      comment: 'the failing call',
    });
    assert.deepStrictEqual(await toHarEntry({ flow, request: body, response: respBody }), {
      startedDateTime: '2025-01-02T03:04:05.678Z',
      time: 18,
      request: {
        method: 'POST',
        url: 'https://api.test/v1/items?q=a+b&x=%2F&flag',
        httpVersion: 'HTTP/1.1',
        cookies: [{ name: 'sid', value: 'abc' }, { name: 'theme', value: 'dark' }],
        headers: [
          { name: 'Host', value: 'api.test' },
          { name: 'Cookie', value: 'sid=abc; theme=dark' },
          { name: 'Content-Type', value: 'application/x-www-form-urlencoded' },
          { name: 'X-Dup', value: '1' },
          { name: 'X-Dup', value: '2' },
        ],
        queryString: [{ name: 'q', value: 'a b' }, { name: 'x', value: '/' }, { name: 'flag', value: '' }],
        headersSize: -1,
        bodySize: body.length,
        postData: { mimeType: 'application/x-www-form-urlencoded', text: 'a=1&b=%20' },
      },
      response: {
        status: 201,
        statusText: 'Created',
        httpVersion: 'HTTP/1.1',
        cookies: [{ name: 'sid', value: 'new', path: '/', httpOnly: true, secure: true }],
        headers: [
          { name: 'Content-Type', value: 'application/json' },
          { name: 'Set-Cookie', value: 'sid=new; Path=/; HttpOnly; Secure' },
          { name: 'Location', value: '/v1/items/7' },
        ],
        content: { size: respBody.length, mimeType: 'application/json', text: '{"id":7}' },
        redirectURL: '/v1/items/7',
        headersSize: -1,
        bodySize: respBody.length,
      },
      cache: {},
      timings: { blocked: -1, dns: 1, connect: 5, ssl: 3, send: 0.5, wait: 10, receive: 1.5 },
      serverIPAddress: '127.0.0.9',
      _flowId: 'f-1',
      _clientIp: '127.0.0.2',
      _clientPort: 50123,
      _serverHost: 'api.test',
      _serverPort: 443,
      _tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: 'api.test' },
      _reusedConnection: false,
      _appliedRules: [{ id: 'r1', kind: 'map-remote', name: 'to staging' }],
      _replayOf: 'f-0',
      _pinned: true,
      _tags: ['bug-12'],
      comment: 'the failing call',
    });
  });

  it('marks truncated and binary request bodies, and failed flows the way Chrome does', async () => {
    const stored = Buffer.from([0xff, 0x00, 0x01]);
    const flow = makeFlow({
      state: 'failed',
      request: { method: 'PUT', url: 'http://h.test/up', httpVersion: '1.1', headers: [['Content-Type', 'application/octet-stream']], body: ref(stored, { size: 5_000_000, truncated: true }) },
      error: { phase: 'upstream', message: 'socket hang up' },
    });
    const entry = await toHarEntry({ flow, request: stored, response: null });
    assert.deepStrictEqual(
      { postData: entry.request.postData, response: entry.response, errorPhase: entry._errorPhase, timings: entry.timings, time: entry.time },
      {
        postData: {
          mimeType: 'application/octet-stream',
          text: '/wAB',
          _encoding: 'base64',
          _truncated: true,
          comment: 'truncated: only the first 3 of 5000000 bytes were stored',
        },
        response: { status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: -1, _error: 'socket hang up' },
        errorPhase: 'upstream',
        timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: -1, wait: -1, receive: -1 },
        time: 0,
      },
    );
  });

  it('decodes as much of a truncated compressed body as was stored', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const gz = zlib.gzipSync(text);
    const stored = gz.subarray(0, Math.floor(gz.length / 2));
    const flow = responseFlow(stored, [['Content-Type', 'text/plain'], ['Content-Encoding', 'gzip']], { encoding: 'gzip', size: gz.length, truncated: true });
    const content = (await toHarEntry({ flow, request: null, response: stored })).response.content as Content & { _truncated?: boolean };
    assert.deepStrictEqual(
      { start: content.text?.slice(0, 13), partial: (content.text?.length ?? 0) > 100 && (content.text?.length ?? 0) < text.length, size: content.size, truncated: content._truncated, comment: content.comment },
      { start: 'line 0\nline 1', partial: true, size: gz.length, truncated: true, comment: `truncated: only the first ${stored.length} of ${gz.length} bytes were stored` },
    );
  });

  it('waits for the output to drain instead of queueing the document', async () => {
    const body = Buffer.from('y'.repeat(1000));
    const records = function* () {
      for (let i = 0; i < 3000; i++) yield { flow: responseFlow(body, [['Content-Type', 'text/plain']]), request: null, response: body };
    };
    const sink = new TextSink(true);
    const { count } = await writeHar(records(), sink, { version: '1' });
    assert.equal(count, 3000);
    assert.ok(sink.size > 3_000_000, `wrote ${sink.size} bytes`);
    assert.ok(sink.maxQueued < 256 * 1024, `at most ${sink.maxQueued} bytes were queued at once`);
    assert.equal((JSON.parse(sink.text) as Har).log.entries.length, 3000);
  });

  it('fails instead of hanging when the output closes early', async () => {
    const sink = new TextSink(true);
    const body = Buffer.alloc(100_000, 'z');
    const records = async function* () {
      for (let i = 0; i < 100; i++) {
        if (i === 3) sink.destroy();
        yield { flow: responseFlow(body, [['Content-Type', 'text/plain']]), request: null, response: body };
      }
    };
    await assert.rejects(writeHar(records(), sink, { version: '1' }), /closed/);
  });
});
