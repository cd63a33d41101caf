import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import newman from 'newman';
import { PostmanValidator } from '@har-sdk/validator';
import { OriginVariables, writePostman, POSTMAN_SCHEMA } from '../../../../electron/core/export/postman';
import type { ExportRecord } from '../../../../electron/core/export/records';
import type { Flow, Headers } from '../../../../electron/common/flow';
import { makeFlow } from '../../../helpers/flows';
import { startRecordingOrigin, type RecordingOrigin } from './recording-origin';
import { TextSink } from './collect';

function record(method: string, url: string, headers: Headers, body: Buffer | null, contentType?: string): ExportRecord {
  const size = body?.length ?? 0;
  const flow: Flow = makeFlow({ request: { method, url, httpVersion: '1.1', headers, body: { size, storedSize: size, truncated: false, contentType, blob: size ? 'b' : undefined } } });
  return { flow, request: body, response: null };
}

/** postman-runtime sends all values of a repeated header together, at the first one's place. */
function groupedByName(headers: Headers): Headers {
  const order: string[] = [];
  const byName = new Map<string, Headers>();
  for (const h of headers) {
    const key = h[0].toLowerCase();
    if (!byName.has(key)) {
      order.push(key);
      byName.set(key, []);
    }
    byName.get(key)!.push(h);
  }
  return order.flatMap((k) => byName.get(k)!);
}

function runNewman(collection: object, workingDir: string): Promise<newman.NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ collection: collection as newman.NewmanRunOptions['collection'], workingDir, reporters: [], timeout: 30_000 }, (err, summary) => (err ? reject(err) : resolve(summary)));
  });
}

describe('Postman export', () => {
  let a: RecordingOrigin;
  let b: RecordingOrigin;
  let dir: string;
  before(async () => {
    a = await startRecordingOrigin();
    b = await startRecordingOrigin();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  });
  after(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a valid v2.1 collection that newman runs, sending the captured requests again', async () => {
    const json = Buffer.from('{"name":"Zoë","quote":"it\'s \\"x\\"","n":[1,2]}');
    const binary = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0x0d, 0x0a]);
    const form = Buffer.from('a=1&b=two+words&c=%2F');
    const hostA = `127.0.0.1:${a.port}`;
    const records = [
      record('POST', `${a.origin}/v1/items?tag=a%20b&x=[1]&y=%2F`, [
        ['Host', hostA],
        ['User-Agent', 'app/2.0 (phone)'],
        ['X-Dup', 'one'],
        ['Content-Type', 'application/json; charset=utf-8'],
        ['X-Dup', 'two'],
        ['Cookie', 'sid=abc; theme=dark'],
        ['Proxy-Connection', 'keep-alive'],
        ['Content-Length', String(json.length)],
        ['Accept', '*/*'],
      ], json, 'application/json; charset=utf-8'),
      record('GET', `${b.origin}/plain`, [['Host', `127.0.0.1:${b.port}`]], null),
      record('PUT', `${a.origin}/upload/raw`, [['Host', hostA], ['Content-Type', 'application/octet-stream']], binary, 'application/octet-stream'),
      record('DELETE', `${a.origin}/form`, [['Host', hostA], ['Content-Type', 'application/x-www-form-urlencoded']], form, 'application/x-www-form-urlencoded'),
    ];
    const written: string[] = [];
    const out = fs.createWriteStream(path.join(dir, 'collection.json'));
    const { count } = await writePostman(records, out, {
      name: 'Hindsight test',
      writeFile: async (name, bytes) => {
        written.push(name);
        await fs.promises.writeFile(path.join(dir, name), bytes);
      },
    });
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const collection = JSON.parse(fs.readFileSync(path.join(dir, 'collection.json'), 'utf8'));

    assert.deepStrictEqual(await new PostmanValidator().verify(collection), []);
    const folders = collection.item.map((f: { name: string; item: { name: string; request: { url: { raw: string }; header?: { key: string; value: string }[] } }[] }) => ({
      name: f.name,
      items: f.item.map((i) => ({ name: i.name, url: i.request.url.raw, header: (i.request.header ?? []).map((h) => [h.key, h.value]) })),
    }));
    const varA = `host_127_0_0_1_${a.port}`;
    const varB = `host_127_0_0_1_${b.port}`;
    assert.deepStrictEqual(
      { count, written, schema: collection.info.schema, variable: collection.variable, folders },
      {
        count: 4,
        written: [`body-${records[2].flow.id}.bin`],
        schema: POSTMAN_SCHEMA,
        variable: [
          { key: varA, value: a.origin, type: 'string' },
          { key: varB, value: b.origin, type: 'string' },
        ],
        folders: [
          {
            name: a.origin,
            items: [
              {
                name: 'POST /v1/items?tag=a%20b&x=[1]&y=%2F',
                url: `{{${varA}}}/v1/items?tag=a%20b&x=[1]&y=%2F`,
                header: [['User-Agent', 'app/2.0 (phone)'], ['X-Dup', 'one'], ['Content-Type', 'application/json; charset=utf-8'], ['X-Dup', 'two'], ['Cookie', 'sid=abc; theme=dark'], ['Accept', '*/*']],
              },
              { name: 'PUT /upload/raw', url: `{{${varA}}}/upload/raw`, header: [['Content-Type', 'application/octet-stream']] },
              { name: 'DELETE /form', url: `{{${varA}}}/form`, header: [['Content-Type', 'application/x-www-form-urlencoded']] },
            ],
          },
          { name: b.origin, items: [{ name: 'GET /plain', url: `{{${varB}}}/plain`, header: [] }] },
        ],
      },
    );
    assert.deepStrictEqual(collection.item[0].item[0].request.body, { mode: 'raw', raw: json.toString(), options: { raw: { language: 'json' } } });

    const summary = await runNewman(collection, dir);
    assert.deepStrictEqual(summary.run.failures.map((f) => f.error.message), []);
    const received = [...a.received, ...b.received].map((r) => ({ method: r.method, url: r.url, headers: r.headers, body: r.body }));
    const sent = (r: ExportRecord, host: string, withLength: boolean): Headers => [
      ...groupedByName(r.flow.request.headers.filter(([n]) => !['host', 'content-length', 'proxy-connection'].includes(n.toLowerCase()))),
      ['Host', host],
      ...(withLength ? [['Content-Length', String(r.request!.length)] as [string, string]] : []),
    ];
    assert.deepStrictEqual(received, [
      { method: 'POST', url: '/v1/items?tag=a%20b&x=[1]&y=%2F', headers: sent(records[0], hostA, true), body: json },
      { method: 'PUT', url: '/upload/raw', headers: sent(records[2], hostA, true), body: binary },
      { method: 'DELETE', url: '/form', headers: sent(records[3], hostA, true), body: form },
      { method: 'GET', url: '/plain', headers: [['Host', `127.0.0.1:${b.port}`]], body: Buffer.alloc(0) },
    ]);
  });

  it('names one variable per origin, default ports left out, clashes numbered', () => {
    const v = new OriginVariables();
    assert.deepStrictEqual(
      ['https://api.example.com', 'https://api.example.com:443', 'http://api.example.com', 'http://api.example.com:8080', 'https://api.example.com', 'http://[::1]:3000'].map((o) => v.nameFor(o)),
      ['host_api_example_com', 'host_api_example_com_2', 'host_api_example_com_3', 'host_api_example_com_8080', 'host_api_example_com', 'host_1_3000'],
    );
  });

  it('streams thousands of items with bounded queueing and notes bodies it cannot include', async () => {
    const records = function* () {
      for (let i = 0; i < 2000; i++) yield record('POST', `http://h${i % 7}.test/item/${i}`, [['Content-Type', 'text/plain']], Buffer.from(`body ${i} `.repeat(50)), 'text/plain');
      yield record('POST', 'http://h0.test/bin', [], Buffer.from([0xff, 0xfe]));
    };
    const sink = new TextSink(true);
    const { count } = await writePostman(records(), sink, { name: 'many' });
    const collection = JSON.parse(sink.text);
    assert.deepStrictEqual(
      { count, folders: collection.item.map((f: { name: string; item: unknown[] }) => [f.name, f.item.length]) },
      {
        count: 2001,
        folders: [0, 1, 2, 3, 4, 5, 6].map((h) => [`http://h${h}.test`, h === 0 ? 287 : h < 5 ? 286 : 285]),
      },
    );
    assert.match(JSON.stringify(collection.item[0].item.at(-1).request.description), /The binary body \(2 bytes\) is not included\./);
    assert.ok(sink.maxQueued < 256 * 1024, `at most ${sink.maxQueued} bytes were queued at once`);
  });
});
