// Issue 14, item 7: body texts of a HAR are streamed past the parser into the body store, so a large body is
// never held whole (memory is measured by hand: see the branch's report). Here: what goes in comes out the
// same — base64 with line breaks and escaped slashes whose `encoding` comes after the text, UTF-8 with
// escapes and surrogate pairs, base64 whose `encoding` comes first — read from a file in small chunks;
// the spool files are gone afterwards, also when the file turns out bad.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HarImportError, scanHar } from '../../../electron/core/import/har';
import { importHar } from '../../../electron/core/import/into-store';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { tempDirs } from '../store/store-helpers';

const temp = tempDirs();
const open: FlowStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  temp.removeAll();
});

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const spools = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.body.part'));

/** A HAR written as text, so the escapes and the order of `text` and `encoding` are the test's own. */
function writeHar(file: string, entries: string[]): void {
  fs.writeFileSync(file, `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[${entries.join(',')}]}}`);
}

function entry(i: number, request: string, content: string): string {
  return `{"startedDateTime":"2026-01-01T00:00:0${i}.000Z","request":{"method":"POST","url":"https://big.test/${i}","httpVersion":"HTTP/1.1","headers":[]${request}},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"content":${content}}}`;
}

async function storeIn(dir: string): Promise<FlowStore> {
  const store = openFlowStore({ dataDir: dir });
  open.push(store);
  await store.ready;
  return store;
}

test('large body texts import byte for byte, whatever the escapes, line breaks and field order', { timeout: 120_000 }, async () => {
  const dir = temp.make();
  const store = await storeIn(path.join(dir, 'data'));
  const binary = crypto.randomBytes(3 * 1024 * 1024 + 1);
  // MIME-style line breaks (escaped in JSON), and every '/' written as '\/'.
  const base64Json = JSON.stringify(binary.toString('base64').replace(/.{76}/g, '$&\n')).replaceAll('/', '\\/');
  const unit = 'Zoë 😀 "quoted" \\ tab\there\n';
  const utf8 = unit.repeat(Math.ceil((2 * 1024 * 1024) / Buffer.byteLength(unit)));
  // ë and the emoji as \u escapes (the emoji as a surrogate pair), the rest as JSON.stringify writes it.
  const utf8Json = JSON.stringify(utf8).replaceAll('ë', '\\u00eb').replaceAll('😀', '\\ud83d\\ude00');
  const small = crypto.randomBytes(5000);
  const file = path.join(dir, 'big.har');
  writeHar(file, [
    entry(0, `,"postData":{"mimeType":"text/plain","text":${utf8Json}}`, `{"size":${binary.length},"mimeType":"application/octet-stream","text":${base64Json},"encoding":"base64"}`),
    entry(1, '', `{"encoding":"base64","mimeType":"image/png","text":"${small.toString('base64')}"}`),
  ]);

  const outcome = await importHar(store, () => fs.createReadStream(file, { highWaterMark: 4096 }), { spoolDir: path.join(dir, 'data') });
  const flows = await Promise.all(store.query({ limit: 10 }).flows.map((s) => store.get(s.id)));
  const stored = await Promise.all(
    flows
      .sort((a, b) => a!.startedAt - b!.startedAt)
      .map(async (f) => ({
        url: f!.request.url,
        request: f!.request.body.storedSize ? sha(await store.bodies.read(f!.request.body)) : null,
        response: sha(await store.bodies.read(f!.response!.body)),
        sizes: [f!.request.body.size, f!.response!.body.size],
        truncated: f!.request.body.truncated || f!.response!.body.truncated,
      })),
  );
  assert.deepEqual(
    { count: outcome.count, notKept: outcome.notKept, stored, spools: spools(path.join(dir, 'data')) },
    {
      count: 2,
      notKept: 0,
      stored: [
        { url: 'https://big.test/0', request: sha(Buffer.from(utf8)), response: sha(binary), sizes: [Buffer.byteLength(utf8), binary.length], truncated: false },
        { url: 'https://big.test/1', request: null, response: sha(small), sizes: [0, small.length], truncated: false },
      ],
      spools: [],
    },
  );
});

test('a large body that is bad base64, or a file cut inside a large body, imports nothing and leaves no spool file', { timeout: 60_000 }, async () => {
  const dir = temp.make();
  const store = await storeIn(path.join(dir, 'data'));
  const good = crypto.randomBytes(2 * 1024 * 1024).toString('base64');
  const badFile = path.join(dir, 'bad.har');
  writeHar(badFile, [entry(0, '', `{"mimeType":"image/png","text":"${good.slice(0, 1_000_000)}*${good.slice(1_000_000)}","encoding":"base64"}`)]);
  const cutFile = path.join(dir, 'cut.har');
  writeHar(cutFile, [entry(0, '', `{"mimeType":"image/png","text":"${good}","encoding":"base64"}`)]);
  fs.truncateSync(cutFile, 2_000_000);
  const spoolDir = path.join(dir, 'data');
  const errors: string[] = [];
  for (const file of [badFile, cutFile]) {
    // importHar checks first (keeping no bytes); a pass that stores keeps them, and spools this large a text.
    for (const pass of [() => importHar(store, () => fs.createReadStream(file), { spoolDir }), () => scanHar(fs.createReadStream(file), () => {}, { spoolDir })]) {
      const err = await pass().catch((e: unknown) => e);
      assert.ok(err instanceof HarImportError, String(err));
      errors.push(err.message.replace(/ \(.*/, ' (…'));
    }
  }
  const base64Error = 'not a usable HAR file: entry 0: response.content.text is not valid base64';
  const jsonError = 'not a usable HAR file: not valid JSON (…';
  assert.deepEqual({ errors, stored: store.count(), spools: spools(spoolDir) }, { errors: [base64Error, base64Error, jsonError, jsonError], stored: 0, spools: [] });
});
