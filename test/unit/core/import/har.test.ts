import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseHar, HarImportError, type HarImport } from '../../../../electron/core/import/har';
import { writeHar } from '../../../../electron/core/export/har';
import { HarValidator } from '@har-sdk/validator';
import type { ExportRecord } from '../../../../electron/core/export/records';
import { FLOW_SCHEMA, type BodyRef, type Flow } from '../../../../electron/common/flow';
import { makeFlow } from '../../../helpers/flows';
import { TextSink } from '../export/collect';

const fixture = path.join(__dirname, '../../../fixtures/har/chrome-devtools.har');
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Flows without the fields the store assigns, with their bodies as text/bytes alongside. */
function comparable(result: HarImport) {
  return result.flows.map((flow) => {
    const { id, ...rest } = flow;
    const bodies = result.bodies.get(id)!;
    return { flow: rest, request: bodies.request, response: bodies.response };
  });
}

const ref = (size: number, contentType?: string): BodyRef => ({ size, storedSize: size, truncated: false, ...(contentType ? { contentType } : {}) });

describe('HAR import', () => {
  it('reads a Chrome DevTools HAR: HTTP/2 headers in order, form posts, base64 images, failed requests', async () => {
    const result = await parseHar(fs.createReadStream(fixture, { highWaterMark: 256 }));
    const html = '<!doctype html><html><head><title>Shop</title></head><body><h1>Shoes</h1></body></html>';
    const json = '{"results":[{"id":1,"name":"Runner","price":"€89"}],"page":2}';
    const base = { seq: 0, schema: FLOW_SCHEMA, client: { ip: '', port: 0 }, appliedRules: [], imported: true as const };
    assert.deepStrictEqual(result.creator, { name: 'WebInspector', version: '537.36' });
    assert.deepStrictEqual(comparable(result), [
      {
        flow: {
          ...base,
          startedAt: Date.parse('2025-03-04T10:00:00.010Z'),
          state: 'completed',
          request: {
            method: 'GET',
            url: 'https://shop.example.test/',
            httpVersion: '2.0',
            headers: [[':authority', 'shop.example.test'], [':method', 'GET'], [':path', '/'], [':scheme', 'https'], ['accept', 'text/html'], ['cookie', 'sid=abc'], ['user-agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36']],
            body: ref(0),
          },
          server: { host: 'shop.example.test', port: 443, ip: '2001:db8::1' },
          timings: { dnsMs: 10.5, connectMs: 15.1, tlsMs: 20.1, sendMs: 0.3, waitMs: 30.1, receiveMs: 7.1, totalMs: 85.3 },
          response: {
            status: 200,
            statusText: '',
            headers: [['content-encoding', 'br'], ['content-type', 'text/html; charset=utf-8'], ['date', 'Tue, 04 Mar 2025 10:00:00 GMT'], ['set-cookie', 'seen=1; Path=/']],
            body: ref(html.length, 'text/html; charset=utf-8'),
          },
        },
        request: null,
        response: Buffer.from(html),
      },
      {
        flow: {
          ...base,
          startedAt: Date.parse('2025-03-04T10:00:00.200Z'),
          state: 'completed',
          request: {
            method: 'POST',
            url: 'https://shop.example.test/api/search?lang=en',
            httpVersion: '2.0',
            headers: [[':authority', 'shop.example.test'], [':method', 'POST'], [':path', '/api/search?lang=en'], [':scheme', 'https'], ['content-type', 'application/x-www-form-urlencoded'], ['x-trace', 'a'], ['x-trace', 'b']],
            body: ref(14, 'application/x-www-form-urlencoded'),
          },
          server: { host: 'shop.example.test', port: 443, ip: '2001:db8::1' },
          timings: { sendMs: 0.5, waitMs: 35, receiveMs: 3.5, totalMs: 40 },
          response: { status: 201, statusText: '', headers: [['content-type', 'application/json']], body: ref(Buffer.byteLength(json), 'application/json') },
        },
        request: Buffer.from('q=shoes&page=2'),
        response: Buffer.from(json),
      },
      {
        flow: {
          ...base,
          startedAt: Date.parse('2025-03-04T10:00:00.300Z'),
          state: 'completed',
          request: { method: 'GET', url: 'https://cdn.example.test/img/pixel.png', httpVersion: '3.0', headers: [['accept', 'image/avif,image/webp,*/*'], ['referer', 'https://shop.example.test/']], body: ref(0) },
          server: { host: 'cdn.example.test', port: 443, ip: '192.0.2.10' },
          timings: { dnsMs: 1, connectMs: 2, tlsMs: 2, sendMs: 0.5, waitMs: 5, receiveMs: 1.5, totalMs: 12.5 },
          response: { status: 200, statusText: '', headers: [['content-type', 'image/png'], ['content-length', String(png.length)]], body: ref(png.length, 'image/png') },
        },
        request: null,
        response: png,
      },
      {
        flow: {
          ...base,
          startedAt: Date.parse('2025-03-04T10:00:00.400Z'),
          state: 'failed',
          request: { method: 'GET', url: 'https://tracker.invalid/beacon', httpVersion: '1.1', headers: [], body: ref(0) },
          timings: { sendMs: 0, waitMs: 0, receiveMs: 0, totalMs: 3.2 },
          error: { phase: 'dns', message: 'net::ERR_NAME_NOT_RESOLVED' },
        },
        request: null,
        response: null,
      },
    ]);
  });

  it('imports nothing from a broken or non-HAR file, and says which entry and field are bad', async () => {
    const good = JSON.parse(fs.readFileSync(fixture, 'utf8'));
    const withEntries = (mutate: (entries: Record<string, any>[]) => void) => {
      const doc = structuredClone(good);
      mutate(doc.log.entries);
      return JSON.stringify(doc);
    };
    const cases: [string, string | Buffer][] = [
      ['empty', ''],
      ['html', '<!doctype html><p>not json'],
      ['cut', fs.readFileSync(fixture).subarray(0, 2000)],
      ['other json', '{"info":{"name":"a Postman collection"},"item":[]}'],
      ['bad url', withEntries((e) => (e[2].request.url = '/relative/only'))],
      ['bad header', withEntries((e) => (e[1].request.headers[5] = { name: 'x-trace', value: 7 }))],
      ['bad base64', withEntries((e) => (e[2].response.content.text = 'not*base64!'))],
      ['two bad', withEntries((e) => {
        delete e[0].request;
        e[3].startedDateTime = 'yesterday';
      })],
      ['bad encoding', withEntries((e) => (e[0].response.content.encoding = 'gzip'))],
      ['entries a string', '{"log":{"version":"1.2","entries":"nope"}}'],
      ['entries an empty object', '{"log":{"version":"1.2","entries":{}}}'],
      ['no entries', '{"log":{"version":"1.2","pages":[{"entries":[]}]},"entries":[]}'],
    ];
    const messages: Record<string, string> = {};
    for (const [name, input] of cases) {
      await assert.rejects(parseHar(input), (err: unknown) => {
        assert.ok(err instanceof HarImportError, `${name}: ${String(err)}`);
        messages[name] = err.message;
        return true;
      });
    }
    assert.deepStrictEqual(
      { ...messages, html: messages.html.replace(/\(.*/, '(…'), cut: messages.cut.replace(/\(.*/, '(…') },
      {
        empty: 'not a usable HAR file: the file is empty',
        html: 'not a usable HAR file: not valid JSON (…',
        cut: 'not a usable HAR file: not valid JSON (…',
        'other json': 'not a usable HAR file: no log.version: this is not a HAR file (expected {"log": {"version": "1.2", "entries": [...]}})',
        'bad url': "not a usable HAR file: entry 2: request.url '/relative/only' is not an absolute URL",
        'bad header': 'not a usable HAR file: entry 1: request.headers[5].value must be a string',
        'bad base64': 'not a usable HAR file: entry 2: response.content.text is not valid base64',
        'two bad': 'not a usable HAR file:\n  entry 0: request must be an object\n  entry 3: startedDateTime is not a date',
        'bad encoding': "not a usable HAR file: entry 0: response.content.encoding 'gzip' is not supported (only base64)",
        'entries a string': 'not a usable HAR file: log.entries must be an array',
        'entries an empty object': 'not a usable HAR file: log.entries must be an array',
        'no entries': 'not a usable HAR file: no log.entries: a HAR lists its requests in log.entries',
      },
    );
  });

  it('round trip: flows → HAR → import gives the same flows and bodies', async () => {
    const json = Buffer.from('{"id":7,"name":"Zoë"}');
    const gz = zlib.gzipSync(json);
    const bin = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const form = Buffer.from('a=1&b=%20');
    const flows: ExportRecord[] = [
      {
        flow: makeFlow({
          startedAt: Date.UTC(2025, 4, 6, 7, 8, 9, 123),
          state: 'completed',
          client: { ip: '127.0.0.2', port: 50001 },
          server: { host: 'staging.test', port: 8443, ip: '127.0.0.9', tls: { version: 'TLSv1.3', alpn: 'h2', sni: 'staging.test' } },
          request: { method: 'POST', url: 'https://api.test/v1/items?q=a+b', httpVersion: '1.1', headers: [['Host', 'api.test'], ['Content-Type', 'application/x-www-form-urlencoded'], ['X-Dup', '1'], ['X-Dup', '2']], body: { ...ref(form.length, 'application/x-www-form-urlencoded'), blob: 'r1' } },
          response: { status: 201, statusText: 'Created', headers: [['Content-Type', 'application/json'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']], body: { ...ref(json.length, 'application/json'), blob: 'p1' } },
          timings: { dnsMs: 0.7, connectMs: 1.1, tlsMs: 2.2, sendMs: 0.1, waitMs: 9.9, receiveMs: 0.3, totalMs: 14.3, reusedConnection: false },
          appliedRules: [{ id: 'r-9', kind: 'map-remote', name: 'staging' }],
          replayOf: 'orig-1',
          pinned: true,
          tags: ['bug'],
          comment: 'look here',
        }),
        request: form,
        response: json,
      },
      {
        flow: makeFlow({
          state: 'completed',
          request: { method: 'PUT', url: 'http://h.test/bin', httpVersion: '1.0', headers: [['Content-Type', 'application/octet-stream']], body: { ...ref(bin.length, 'application/octet-stream'), blob: 'r2' } },
          response: { status: 204, statusText: 'No Content', headers: [], body: ref(0) },
          timings: { totalMs: 3, reusedConnection: true },
          websocket: true,
        }),
        request: bin,
        response: null,
      },
      {
        flow: makeFlow({
          state: 'failed',
          request: { method: 'GET', url: 'http://down.test/', httpVersion: '1.1', headers: [['Host', 'down.test']], body: ref(0) },
          timings: { dnsMs: 1, totalMs: 2 },
          error: { phase: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:1' },
        }),
        request: null,
        response: null,
      },
      {
        flow: makeFlow({
          state: 'completed',
          request: { method: 'POST', url: 'http://h.test/big', httpVersion: '1.1', headers: [['Content-Type', 'text/plain']], body: { size: 99_999, storedSize: 5, truncated: true, contentType: 'text/plain', blob: 'r4' } },
          response: { status: 413, statusText: 'Payload Too Large', headers: [['Content-Type', 'text/plain']], body: { size: 200_000, storedSize: 4, truncated: true, contentType: 'text/plain', blob: 'p4' } },
          timings: { totalMs: 5 },
        }),
        request: Buffer.from('hello'),
        response: Buffer.from('nope'),
      },
    ];
    const sink = new TextSink();
    await writeHar(flows, sink, { version: '0.1.0' });
    const imported = await parseHar(sink.text);

    const strip = (f: Flow) => {
      const { id, seq, imported: _i, ...rest } = structuredClone(f);
      delete rest.request.body.blob;
      if (rest.response) delete rest.response.body.blob;
      return rest;
    };
    assert.deepStrictEqual(
      imported.flows.map((f) => ({ flow: strip(f), ...imported.bodies.get(f.id)!, imported: f.imported, seq: f.seq })),
      flows.map((r) => ({ flow: strip(r.flow), request: r.request, response: r.response, imported: true, seq: 0 })),
    );

    // A compressed body comes back decoded, as HAR carries it.
    const gzFlow = makeFlow({ response: { status: 200, statusText: 'OK', headers: [['Content-Encoding', 'gzip']], body: { ...ref(gz.length, 'application/json'), encoding: 'gzip', blob: 'g' } } });
    const sink2 = new TextSink();
    await writeHar([{ flow: gzFlow, request: null, response: gz }], sink2, { version: '0.1.0' });
    const back = await parseHar(sink2.text);
    assert.deepStrictEqual({ body: back.flows[0].response?.body, bytes: back.bodies.get(back.flows[0].id)?.response }, { body: ref(json.length, 'application/json'), bytes: json });
  });

  it('round trip: request and response trailers travel as _trailers name/value lists and come back', async () => {
    const upload = Buffer.from('part one, part two');
    const answer = Buffer.from('stored');
    const flow = makeFlow({
      state: 'completed',
      request: {
        method: 'PUT', url: 'http://files.test/upload', httpVersion: '1.1',
        headers: [['Host', 'files.test'], ['Transfer-Encoding', 'chunked'], ['Trailer', 'X-Checksum'], ['Content-Type', 'text/plain']],
        body: { ...ref(upload.length, 'text/plain'), blob: 'r' },
        trailers: [['X-Checksum', 'c0ffee'], ['X-Count', '2']],
      },
      response: {
        status: 200, statusText: 'OK', headers: [['Content-Type', 'text/plain'], ['Transfer-Encoding', 'chunked']],
        body: { ...ref(answer.length, 'text/plain'), blob: 'p' },
        trailers: [['grpc-status', '0'], ['grpc-message', 'all good']],
      },
      timings: { totalMs: 4 },
    });
    const sink = new TextSink();
    await writeHar([{ flow, request: upload, response: answer }], sink, { version: '0.1.0' });
    const har = JSON.parse(sink.text) as { log: { entries: { request: Record<string, unknown>; response: Record<string, unknown> }[] } };
    // `_` fields are HAR's extension point: the schema still accepts the document.
    assert.deepStrictEqual(await new HarValidator().verify(har as unknown as Parameters<HarValidator['verify']>[0]), []);
    const imported = await parseHar(sink.text);
    const { id: _id, seq: _seq, imported: _imported, ...back } = structuredClone(imported.flows[0]);
    const { id: _id2, seq: _seq2, ...original } = structuredClone(flow);
    delete original.request.body.blob;
    delete original.response!.body.blob;
    assert.deepStrictEqual(
      { request: har.log.entries[0].request._trailers, response: har.log.entries[0].response._trailers, back, bodies: imported.bodies.get(imported.flows[0].id) },
      {
        request: [{ name: 'X-Checksum', value: 'c0ffee' }, { name: 'X-Count', value: '2' }],
        response: [{ name: 'grpc-status', value: '0' }, { name: 'grpc-message', value: 'all good' }],
        back: original,
        bodies: { request: upload, response: answer },
      },
    );
  });

  it('a _trailers that is not a name/value list is refused, naming the field', async () => {
    const entry = (request: Record<string, unknown>) =>
      JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [{ startedDateTime: '2025-01-01T00:00:00Z', time: 1, request: { method: 'GET', url: 'http://a.test/', httpVersion: 'HTTP/1.1', headers: [], ...request }, response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], content: { size: 0, mimeType: '' } }, timings: {} }] } });
    const problems = await Promise.all([{ _trailers: 'x' }, { _trailers: [{ name: 'a' }] }].map((r) => parseHar(entry(r)).then(() => 'accepted', (err: Error) => err.message)));
    assert.deepStrictEqual(problems, [
      'not a usable HAR file: entry 0: request._trailers must be an array',
      'not a usable HAR file: entry 0: request._trailers[0].value must be a string',
    ]);
  });
});
