/**
 * Trusting a private CA for servers' TLS: the test origin's HTTPS side is signed by its own CA, which no
 * system trusts. Without it the exchange fails at the TLS handshake; with the CA in the data folder's
 * upstream-ca.pem (the setting every shell reads at start) it goes through; a file that holds no
 * certificate stops the start naming the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { loadOrCreateCa } from '../../../certs';
import type { ApiError } from '../../../electron/common/api';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { createCore } from '../../../electron/core/core';
import { dataPaths } from '../../../electron/core/paths';
import { startOrigin, testLookup, type Origin } from '../../helpers/origin';
import { tempDirs } from '../../helpers/temp-dirs';
import { curl, pemFile } from './clients';

let origin: Origin;
before(async () => {
  origin = await startOrigin();
});
after(async () => {
  await origin.close();
});
const tempDir = tempDirs('hindsight-upstream-ca-');

/** GET the origin's HTTPS /json through a core on `dataDir`: the status and the flow's error, if any. */
async function fetchThrough(dataDir: string): Promise<{ status: number; error?: string }> {
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, version: 'test' });
  const ca = pemFile(core.ca.certPem);
  try {
    const result = await curl(`http://127.0.0.1:${core.proxyAddress().port}`, [origin.url('/json', { secure: true })], { caFile: ca.file });
    await core.store.flush();
    const flow = await core.store.get(core.store.query({}).flows[0].id);
    return flow?.error ? { status: result.status, error: flow.error.phase } : { status: result.status };
  } finally {
    ca.dispose();
    await core.dispose();
  }
}

test("a private CA in the data folder's upstream-ca.pem is trusted for servers' TLS", { timeout: 60_000 }, async () => {
  const without = tempDir();
  const withSetting = tempDir();
  // A bundle: the private CA after another certificate, as a company bundle would list it.
  const other = await loadOrCreateCa(dataPaths(tempDir()).caDir);
  fs.writeFileSync(dataPaths(withSetting).upstreamCa, `${other.certPem}\n${origin.caPem}`);
  assert.deepEqual({ without: await fetchThrough(without), withSetting: await fetchThrough(withSetting) }, { without: { status: 502, error: 'tls' }, withSetting: { status: 200 } });
});

test('an upstream-ca.pem without a certificate stops the start, naming the file', async () => {
  const dataDir = tempDir();
  const file = dataPaths(dataDir).upstreamCa;
  fs.writeFileSync(file, 'not a certificate\n');
  await assert.rejects(createCore({ dataDir, host: '127.0.0.1', port: 0, version: 'test' }), {
    name: 'UpstreamCaError',
    message: `${file}: holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)`,
  });
});

test('Settings → Server CAs: a CA saved through the API is trusted at once, removed at once, and a bad one changes nothing', { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, version: 'test' });
  const api = createApiHandlers(core);
  const ca = pemFile(core.ca.certPem);
  const outcomes: string[] = [];
  /** One GET of the origin's HTTPS /json through the running core: its status, and the flow's failed phase. */
  const fetchOnce = async (label: string) => {
    const result = await curl(`http://127.0.0.1:${core.proxyAddress().port}`, [origin.url('/json', { secure: true })], { caFile: ca.file });
    await core.store.flush();
    const flow = await core.store.get(core.store.query({}).flows[0].id);
    outcomes.push(`${label}: ${result.status}${flow?.error ? ` ${flow.error.phase}` : ''}`);
  };
  try {
    await fetchOnce('before');
    const saved = await api['upstreamCa.set']({ pem: `\n${origin.caPem}` });
    await fetchOnce('saved');
    const bad = await api['upstreamCa.set']({ pem: 'not a certificate' }).catch((err: ApiError) => `${err.code}: ${err.message}`);
    await fetchOnce('after a refused save');
    const afterFile = fs.readFileSync(dataPaths(dataDir).upstreamCa, 'utf8');
    const cleared = await api['upstreamCa.clear']({});
    await fetchOnce('cleared');
    const expected = new X509Certificate(origin.caPem);
    assert.deepEqual(
      { outcomes, saved: saved.saved.map((c) => [c.fingerprint, c.notAfter]), fromFlags: saved.fromFlags, bad, afterFile, cleared, mode: fs.statSync(dataDir).mode & 0o777 },
      {
        outcomes: ['before: 502 tls', 'saved: 200', 'after a refused save: 200', 'cleared: 502 tls'],
        saved: [[expected.fingerprint256, Date.parse(expected.validTo)]],
        fromFlags: [],
        bad: 'bad-params: upstreamCa.set: pem: holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)',
        afterFile: `${origin.caPem.trim()}\n`,
        cleared: { file: dataPaths(dataDir).upstreamCa, saved: [], fromFlags: [] },
        mode: 0o700,
      },
    );
    assert.equal(fs.statSync(dataPaths(dataDir).upstreamCa, { throwIfNoEntry: false }), undefined);
  } finally {
    ca.dispose();
    await core.dispose();
  }
});
