// What `hindsight serve` loads at start: the packages only some features use are required on their first use
// (electron/core/base/on-first-use.ts), so an idle proxy does not carry them (~35 MB of RSS). A real child
// process, asked for the packages in its module cache once its banner is out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { spawnCli, waitFor } from '../../helpers/cli-process';

/** Each is loaded by a feature's first use: Postman export, PAC scripts, upstream proxies, gRPC schemas, OpenAPI, PostgreSQL. */
const LOADED_ON_FIRST_USE = ['postman-collection', 'pac-resolver', 'quickjs-wasi', 'https-proxy-agent', 'socks-proxy-agent', 'socks', 'protobufjs', 'yaml', 'pg', 'pg-copy-streams'];

/** On SIGUSR2, prints the npm packages in the module cache as one line on stderr. */
const PROBE = `process.on('SIGUSR2', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
    if (m) names.add(m[1].replace(/\\\\/g, '/'));
  }
  process.stderr.write('PACKAGES ' + JSON.stringify([...names].sort()) + '\\n');
});`;

test('serve starts without the packages only some features use; the proxy\'s own are loaded', { timeout: 120_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir], {}, PROBE);
  try {
    await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
    const listed = waitFor(child.stderr!, (t) => /PACKAGES .*\n/.test(t), 'the package list');
    child.kill('SIGUSR2');
    const loaded: string[] = JSON.parse(/PACKAGES (.*)\n/.exec(await listed)![1]);
    assert.deepEqual(
      { deferredButLoaded: LOADED_ON_FIRST_USE.filter((name) => loaded.includes(name)), proxyLoaded: ['http-mitm-proxy', 'node-forge'].every((name) => loaded.includes(name)) },
      { deferredButLoaded: [], proxyLoaded: true },
    );
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
