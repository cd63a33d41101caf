// `hindsight serve` loads at start only the libraries capture needs (issue 16, peak RSS): the Postman exporter
// (postman-collection, with faker and lodash), the PAC engine (pac-resolver, quickjs-wasi), YAML and
// PostgreSQL's client load on first use (electron/core/base/on-first-use.ts). Each megabyte loaded at start
// stays live in the proxy thread's heap, which V8 lets grow to about 3× its live size.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { startOrigin, type Origin } from '../../helpers/origin';
import { spawnCli, waitFor } from '../../helpers/cli-process';
import { curl } from '../capture/clients';

const REPORTER = path.resolve(__dirname, '../../fixtures/loaded-packages/report.cjs');
const ON_FIRST_USE = ['pac-resolver', 'pg', 'postman-collection', 'quickjs-wasi', 'yaml'];

let origin: Origin;
before(async () => {
  origin = await startOrigin();
});
after(async () => {
  await origin.close();
});

test('serve, after capturing a request, has loaded none of the libraries only some features need', { timeout: 120_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const loadedFile = path.join(dataDir, 'loaded-packages.txt');
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir], {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${REPORTER}`.trim(),
    HINDSIGHT_TEST_LOADED_PACKAGES: loadedFile,
  });
  const exited = once(child, 'exit');
  try {
    const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
    const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)![1]!;
    const res = await curl(proxyUrl, [`http://127.0.0.1:${origin.httpPort}/bytes?n=1024`]);
    child.kill('SIGINT');
    const [code] = await exited;
    const loaded = fs.readFileSync(loadedFile, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(
      { status: res.status, code, capturedWith: ['@seald-io/nedb', 'http-mitm-proxy'].filter((p) => loaded.includes(p)), onFirstUse: ON_FIRST_USE.filter((p) => loaded.includes(p)) },
      { status: 200, code: 0, capturedWith: ['@seald-io/nedb', 'http-mitm-proxy'], onFirstUse: [] },
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
