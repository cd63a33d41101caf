// The device setup page: http://hindsight.ca/ browsed through the proxy is answered by the proxy itself
// (never forwarded, never recorded) with the CA download and steps, for HTTP and for HTTPS once trusted.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'undici';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile, proxyAgent } from './clients';

let proxy: TestCore;
beforeEach(async () => {
  proxy = await startTestCore();
});
afterEach(() => proxy.dispose());

test('http://hindsight.ca/ through the proxy shows the setup page with the CA fingerprint', async () => {
  const result = await curl(proxy.proxyUrl, ['http://hindsight.ca/']);
  assert.equal(result.exit, 0);
  assert.equal(result.status, 200);
  assert.match(result.body, /Trust Hindsight on this device/);
  assert.ok(result.body.includes(proxy.core.ca.info().fingerprint), 'the page shows the CA fingerprint');
  assert.match(result.body, /href="\/ca\.crt"/);
});

test('the CA downloads as DER (.crt) and PEM, equal to the core CA', async () => {
  const agent = proxyAgent(proxy.proxyUrl, proxy.caPem);
  try {
    const der = await request('http://hindsight.ca/ca.crt', { dispatcher: agent });
    assert.equal(der.statusCode, 200);
    assert.equal(der.headers['content-type'], 'application/x-x509-ca-cert');
    const derBytes = Buffer.from(await der.body.arrayBuffer());
    assert.equal(new X509Certificate(derBytes).fingerprint256, new X509Certificate(proxy.caPem).fingerprint256);
    const pem = await request('http://hindsight.ca/ca.pem', { dispatcher: agent });
    assert.equal(pem.statusCode, 200);
    assert.equal(await pem.body.text(), proxy.caPem);
    const missing = await request('http://hindsight.ca/nothing', { dispatcher: agent });
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
  } finally {
    await agent.close();
  }
});

test('https://hindsight.ca/ works for a client that trusts the CA, and none of it is recorded', async () => {
  const ca = pemFile(proxy.caPem);
  try {
    const result = await curl(proxy.proxyUrl, ['https://hindsight.ca/'], { caFile: ca.file });
    assert.equal(result.status, 200);
    assert.match(result.body, /Trust Hindsight on this device/);
  } finally {
    ca.dispose();
  }
  await proxy.core.store.flush?.();
  assert.equal(proxy.core.store.query({}).total, 0);
});
