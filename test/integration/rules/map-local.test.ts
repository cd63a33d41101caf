// Map-local through the real proxy with real files and curl: a file answers a URL, a folder answers the paths
// under the wildcard's fixed start (index.html, MIME by extension, Range), an edit on disk shows at the next
// request, a missing file is a 404 naming it, and no request reaches outside the folder.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from '../capture/clients';

let origin: Origin;
let proxy: TestCore;
let dir: string;
let ca: { file: string; dispose(): void };

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  proxy = await startTestCore({ origin });
  ca = pemFile(proxy.caPem);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-map-local-'));
  fs.mkdirSync(path.join(dir, 'site', 'docs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<h1>home</h1>');
  fs.writeFileSync(path.join(dir, 'site', 'docs', 'index.html'), '<h1>docs</h1>');
  fs.writeFileSync(path.join(dir, 'site', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'site', 'data.bin'), Buffer.from('0123456789'));
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  fs.writeFileSync(path.join(dir, 'users.json'), '{"users":[]}');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'site', 'escape.txt'));
});
afterEach(async () => {
  await proxy.dispose();
  ca.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** status, Content-Type, Content-Range and body, from curl -i. */
async function fetchLocal(url: string, args: string[] = []) {
  const r = await curl(proxy.proxyUrl, ['-i', ...args, url], { caFile: ca.file });
  // Over HTTPS, curl -i prints the proxy's CONNECT answer first: a head followed by another head.
  let text = r.body;
  while (/^HTTP\/[\d.]+ \d{3}[^\r]*\r\n(?:[^\r]+\r\n)*\r\nHTTP\//.test(text)) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const [head, ...rest] = text.split('\r\n\r\n');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];
  return { status: r.status, type: header('content-type'), range: header('content-range'), file: header('x-hindsight-file'), body: rest.join('\r\n\r\n') };
}

describe('map-local', () => {
  test('a file answers one endpoint (HTTP and HTTPS), and an edit on disk shows at the next request', async () => {
    await proxy.core.rules.store.save({ name: 'users from disk', matchers: [{ type: 'url', pattern: '*/api/users', syntax: 'wildcard' }], action: { type: 'map-local', path: path.join(dir, 'users.json') } });
    const first = await fetchLocal(origin.url('/api/users'));
    fs.writeFileSync(path.join(dir, 'users.json'), '{"users":["ann"]}');
    const second = await fetchLocal(origin.url('/api/users', { secure: true }));
    const file = path.join(dir, 'users.json');
    assert.deepEqual([first, second, origin.received.length], [
      { status: 200, type: 'application/json; charset=utf-8', range: undefined, file, body: '{"users":[]}' },
      { status: 200, type: 'application/json; charset=utf-8', range: undefined, file, body: '{"users":["ann"]}' },
      0,
    ]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ state: f.state, status: f.response?.status, server: f.server, applied: f.appliedRules.map((a) => a.kind) })),
      [
        { state: 'completed', status: 200, server: undefined, applied: ['map-local'] },
        { state: 'completed', status: 200, server: undefined, applied: ['map-local'] },
      ],
    );
  });

  test('a folder: paths under the pattern, index.html, MIME by extension, Range, 404 naming the file, no way out', async () => {
    const port = new URL(origin.url('/')).port;
    await proxy.core.rules.store.save({
      name: 'static from disk',
      matchers: [{ type: 'url', pattern: `http://origin.test:${port}/static/*`, syntax: 'wildcard' }],
      action: { type: 'map-local', path: path.join(dir, 'site') },
    });
    const url = (p: string) => `http://origin.test:${port}/static/${p}`;
    const site = path.join(dir, 'site');
    const results = {
      index: await fetchLocal(url('')),
      docs: await fetchLocal(url('docs/')),
      js: await fetchLocal(url('app.js?v=3')),
      range: await fetchLocal(url('data.bin'), ['-H', 'Range: bytes=2-5']),
      suffix: await fetchLocal(url('data.bin'), ['-H', 'Range: bytes=-3']),
      unsatisfiable: await fetchLocal(url('data.bin'), ['-H', 'Range: bytes=50-']),
      missing: await fetchLocal(url('nope/gone.css')),
      dotdot: await fetchLocal(url('../secret.txt'), ['--path-as-is']),
      encoded: await fetchLocal(url('..%2fsecret.txt')),
      symlink: await fetchLocal(url('escape.txt')),
    };
    assert.deepEqual(results, {
      index: { status: 200, type: 'text/html; charset=utf-8', range: undefined, file: path.join(site, 'index.html'), body: '<h1>home</h1>' },
      docs: { status: 200, type: 'text/html; charset=utf-8', range: undefined, file: path.join(site, 'docs', 'index.html'), body: '<h1>docs</h1>' },
      js: { status: 200, type: 'application/javascript; charset=utf-8', range: undefined, file: path.join(site, 'app.js'), body: 'console.log(1)' },
      range: { status: 206, type: 'application/octet-stream', range: 'bytes 2-5/10', file: path.join(site, 'data.bin'), body: '2345' },
      suffix: { status: 206, type: 'application/octet-stream', range: 'bytes 7-9/10', file: path.join(site, 'data.bin'), body: '789' },
      unsatisfiable: { status: 416, type: 'application/octet-stream', range: 'bytes */10', file: path.join(site, 'data.bin'), body: '' },
      missing: { status: 404, type: 'text/plain; charset=utf-8', range: undefined, file: path.join(site, 'nope', 'gone.css'), body: `Hindsight: map local: no file at ${path.join(site, 'nope', 'gone.css')}\n` },
      dotdot: { status: 403, type: 'text/plain; charset=utf-8', range: undefined, file: undefined, body: `Hindsight: map local: the path "../secret.txt" would leave ${site}; refused\n` },
      encoded: { status: 403, type: 'text/plain; charset=utf-8', range: undefined, file: undefined, body: `Hindsight: map local: the path "..%2fsecret.txt" would leave ${site}; refused\n` },
      symlink: { status: 403, type: 'text/plain; charset=utf-8', range: undefined, file: path.join(site, 'escape.txt'), body: `Hindsight: map local: ${path.join(site, 'escape.txt')} leads outside ${site}; refused\n` },
    });
    assert.equal(origin.received.length, 0);
  });

  test('a relative path is refused on save, naming the field', async () => {
    await assert.rejects(proxy.core.rules.store.save({ name: 'bad', matchers: [], action: { type: 'map-local', path: 'site/index.html' } }), {
      message: 'invalid rule: action.path: must be an absolute path (like /home/me/site or C:\\site), not "site/index.html"',
    });
  });
});
