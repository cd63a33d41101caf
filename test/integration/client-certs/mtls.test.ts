// Client certificates (mTLS) through the real proxy: an origin that demands a client certificate
// (test/helpers/mtls-origin.ts) answers 403 without a rule, 200 with a PEM rule and with a PKCS#12 rule; the
// flow names the certificate; the key lives in an owner-only file, not in the rule; a wrong passphrase is refused.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { startTestCore, type TestCore } from '../../helpers/core';
import { issue, startMtlsOrigin, type MtlsOrigin } from '../../helpers/mtls-origin';
import { curl, pemFile } from '../capture/clients';

let origin: MtlsOrigin;
let proxy: TestCore;
let proxyCa: { file: string; dispose(): void };

before(async () => {
  origin = await startMtlsOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  proxy = await startTestCore({ upstreamCa: [origin.serverCa.certPem] });
  proxyCa = pemFile(proxy.caPem);
});
afterEach(async () => {
  await proxy.dispose();
  proxyCa.dispose();
});

const url = () => `https://mtls.test:${origin.port}/`;
const hostMatcher = [{ type: 'host', host: 'mtls.test' }];

describe('client certificates (mTLS)', () => {
  test('without a rule the origin refuses; a PEM rule presents the certificate, kept in an owner-only file', async () => {
    const before = await curl(proxy.proxyUrl, [url()], { caFile: proxyCa.file });
    const saved = await proxy.core.rules.store.save({ name: 'mtls pem', matchers: hostMatcher, action: { type: 'client-certificate', pem: `${origin.client.certPem}\n${origin.client.keyPem}` } });
    const after = await curl(proxy.proxyUrl, [url()], { caFile: proxyCa.file });
    assert.deepEqual([before.status, before.body, after.status, after.body], [403, 'client certificate required', 200, 'hello hindsight-test-client']);
    const action = saved.rule.action as { certificate: string };
    assert.deepEqual(saved.rule.action, { type: 'client-certificate', certificate: action.certificate, subject: 'CN=hindsight-test-client' });
    const dir = path.join(proxy.dataDir, 'client-certs');
    const file = path.join(dir, `${action.certificate}.json`);
    assert.deepEqual([fs.statSync(dir).mode & 0o777, fs.statSync(file).mode & 0o777, fs.readFileSync(path.join(proxy.dataDir, 'rules.db'), 'utf8').includes('PRIVATE KEY')], [0o700, 0o600, false]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ status: f.response?.status, cert: f.clientCertificate, applied: f.appliedRules.map((a) => a.kind) })),
      [
        { status: 403, cert: undefined, applied: [] },
        { status: 200, cert: 'CN=hindsight-test-client', applied: ['client-certificate'] },
      ],
    );
  });

  test('a PKCS#12 file with its passphrase works; a wrong passphrase is refused on save naming the field', async () => {
    const p12 = forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(origin.client.key, [origin.client.cert], 'open sesame', { algorithm: '3des' })).getBytes();
    const pkcs12 = forge.util.encode64(p12);
    await assert.rejects(proxy.core.rules.store.save({ name: 'mtls p12', matchers: hostMatcher, action: { type: 'client-certificate', pkcs12, passphrase: 'wrong' } }), (err: Error & { fields?: { field: string }[] }) => {
      assert.deepEqual(err.fields?.map((f) => f.field), ['action.passphrase']);
      assert.match(err.message, /^invalid rule: action\.passphrase: is wrong for this PKCS#12 file/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(proxy.dataDir, 'client-certs')), false);
    await proxy.core.rules.store.save({ name: 'mtls p12', matchers: hostMatcher, action: { type: 'client-certificate', pkcs12, passphrase: 'open sesame' } });
    const r = await curl(proxy.proxyUrl, [url()], { caFile: proxyCa.file });
    assert.deepEqual([r.status, r.body], [200, 'hello hindsight-test-client']);
    const [flow] = await proxy.finishedFlows(1);
    assert.equal(flow.clientCertificate, 'CN=hindsight-test-client');
  });

  test('a PEM whose key does not belong to the certificate is refused naming action.pem', async () => {
    const other = issue('someone else', origin.serverCa);
    await assert.rejects(proxy.core.rules.store.save({ name: 'bad', matchers: hostMatcher, action: { type: 'client-certificate', pem: `${origin.client.certPem}\n${other.keyPem}` } }), /action\.pem: the certificate and private key cannot be used together/);
  });
});
