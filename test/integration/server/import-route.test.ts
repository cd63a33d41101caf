/**
 * `hindsight import` while `hindsight serve` holds the data folder: the file is streamed to the running
 * instance's POST /api/import (spooled, then imported entry by entry), so a file of any size goes in —
 * before, it travelled as one WebSocket message and files over 12 MB were refused. A bad file imports
 * nothing, the route wants the token, and no spool file is left behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startTestCore, type TestCore } from '../../helpers/core';
import { importCli as cli, serveImports } from '../../helpers/import-target';
import { tempDirs } from '../../helpers/temp-dirs';

let core: TestCore;
let served: Awaited<ReturnType<typeof serveImports>>;
const tempDir = tempDirs('hindsight-import-route-');

/** What a crash mid-upload leaves behind; the server removes it at start. */
let staleSpool = '';
before(async () => {
  core = await startTestCore();
  staleSpool = path.join(core.dataDir, 'import-0123456789abcdef.har.part');
  fs.writeFileSync(staleSpool, '{"log":');
  served = await serveImports(core);
});
after(async () => {
  await served.close();
  await core.dispose();
});

/** A HAR of `count` GETs, each response carrying `bodyBytes` of text, written without holding it whole. */
async function writeHar(file: string, count: number, bodyBytes: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const text = 'x'.repeat(bodyBytes);
  out.write('{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[');
  for (let i = 0; i < count; i++) {
    const entry = {
      startedDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      time: 5,
      request: { method: 'GET', url: `https://api.test/items/${i}`, httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: bodyBytes, mimeType: 'text/plain', text }, redirectURL: '', headersSize: -1, bodySize: bodyBytes },
      cache: {},
      timings: { send: 0, wait: 5, receive: 0 },
    };
    if (!out.write(`${i ? ',' : ''}${JSON.stringify(entry)}`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end(']}}');
  await new Promise<void>((resolve) => out.once('close', () => resolve()));
}

const spools = () => fs.readdirSync(core.dataDir).filter((f) => f.endsWith('.har.part'));

test('a 20 MB HAR is streamed to the running instance and imported; a bad one imports nothing', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const big = path.join(dir, 'big.har');
  await writeHar(big, 40, 512 * 1024);
  const broken = path.join(dir, 'broken.har');
  fs.writeFileSync(broken, '{"log": {"entries": "nope"}}');
  const before = core.core.store.count();
  const good = await cli(['--data', core.dataDir, big]);
  await core.core.store.flush();
  const added = core.core.store.count() - before;
  const refused = await cli(['--data', core.dataDir, broken]);
  assert.deepEqual(
    { size: fs.statSync(big).size > 20 * 1024 * 1024, good, added, refused: { code: refused.code, last: refused.stderr.trim().split('\n').at(-1) }, spools: spools(), stale: fs.existsSync(staleSpool) },
    {
      stale: false,
      size: true,
      good: { code: 0, stdout: `Imported 40 flows from ${big} into the running hindsight (${core.dataDir})\n`, stderr: '' },
      added: 40,
      refused: { code: 1, last: 'Nothing was imported.' },
      spools: [],
    },
  );
});

test('POST /api/import wants the token, refuses a token in the URL and a foreign Origin, and says why a HAR is unusable', async () => {
  const post = (pathname: string, headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: served.ui.port, method: 'POST', path: pathname, headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.trim() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const auth = { authorization: `Bearer ${served.ui.token}` };
  assert.deepEqual(
    {
      noToken: await post('/api/import', {}, '{}'),
      tokenInUrl: await post(`/api/import?token=${served.ui.token}`, {}, '{}'),
      foreignOrigin: (await post('/api/import', { ...auth, origin: 'http://evil.test' }, '{}')).status,
      notHar: await post('/api/import', auth, '{"log": {"version": "1.2", "entries": [{"startedDateTime": "yesterday"}]}}'),
      spools: spools(),
    },
    {
      noToken: { status: 401, body: 'Unauthorized: token required' },
      tokenInUrl: { status: 401, body: 'Unauthorized: tokens in URLs are refused; send the header Authorization: Bearer <token>' },
      foreignOrigin: 403,
      notHar: { status: 422, body: JSON.stringify({ error: 'not a usable HAR file: entry 0: startedDateTime is not a date' }) },
      spools: [],
    },
  );
});
