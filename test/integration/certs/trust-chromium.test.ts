/**
 * The whole trust story for real: the core's CA installed with certutil into a temp home's ~/.pki/nssdb,
 * then headless Chromium (HOME = that temp home) loads an HTTPS page of a local origin through the real
 * proxy without certificate errors. The same load from a home without the CA must fail, so the test can.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../../certs';
import { createCaTrust } from '../../../certs/trust/trust';
import { createCore } from '../../../electron/core/core';

const CHROMIUM = '/usr/bin/chromium';
let skip: string | false = false;
if (!fs.existsSync(CHROMIUM)) skip = 'chromium not installed';
try {
  execFileSync('certutil', ['-H'], { stdio: 'ignore' });
} catch (err) {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') skip = 'certutil not installed (libnss3-tools)';
}

// secure.test is resolved by the proxy itself, never through /etc/hosts.
const lookup = ((_host: string, options: unknown, callback?: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (err: null, address: string | { address: string; family: number }[], family?: number) => void;
  if (typeof options === 'object' && options && (options as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as LookupFunction;

function chromiumDom(home: string, proxyPort: number, url: string): Promise<string> {
  const profile = fs.mkdtempSync(path.join(home, 'profile-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--dump-dom',
    url,
  ];
  return new Promise((resolve) => {
    execFile(CHROMIUM, args, { env: { ...process.env, HOME: home }, timeout: 90_000, maxBuffer: 4 * 1024 * 1024 }, (_err, stdout) => resolve(String(stdout)));
  });
}

test('Chromium trusts the proxy CA from the NSS db Hindsight wrote, and not without it', { skip, timeout: 240_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // A local HTTPS origin with a certificate from a CA of its own (only the proxy trusts it, as upstream CA).
  const originCa = await loadOrCreateCa(path.join(dir, 'origin-ca'), { commonName: 'Origin Test CA' });
  const leaf = originCa.leafFor('secure.test');
  const origin = https.createServer({ cert: leaf.cert + originCa.certPem, key: leaf.key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>ok</title><p id="marker">served over trusted TLS</p>');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    origin.close(() => resolve());
    origin.closeAllConnections();
  }));
  const originPort = (origin.address() as AddressInfo).port;

  const core = await createCore({ dataDir: path.join(dir, 'data'), port: 0, lookup, upstreamCa: [originCa.certPem] });
  t.after(() => core.dispose());
  const proxyPort = core.proxyAddress().port;

  const trustedHome = path.join(dir, 'trusted-home');
  fs.mkdirSync(trustedHome);
  const stores = await createCaTrust({ certPath: core.ca.certPath, platform: 'linux', home: trustedHome }).set('nss-chrome', true);
  assert.equal(stores.find((s) => s.id === 'nss-chrome')?.trusted, true);

  const url = `https://secure.test:${originPort}/`;
  const trusted = await chromiumDom(trustedHome, proxyPort, url);
  const untrustedHome = path.join(dir, 'untrusted-home');
  fs.mkdirSync(untrustedHome);
  const untrusted = await chromiumDom(untrustedHome, proxyPort, url);

  assert.deepEqual(
    { trusted: trusted.includes('served over trusted TLS'), untrusted: untrusted.includes('served over trusted TLS') },
    { trusted: true, untrusted: false },
  );
  // And the proxy recorded the decrypted request.
  await core.store.ready;
  const page = core.store.query({ filter: 'host:secure.test', limit: 10 });
  assert.ok(page.flows.some((f) => f.status === 200), JSON.stringify(page.flows));
});
