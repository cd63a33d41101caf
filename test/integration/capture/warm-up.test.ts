// The start's warm-up (electron/core/capture/warm-up.ts): one exchange through the proxy's own interception and
// forwarder, to a loopback origin the warm-up starts itself. It must reach that origin (so the upstream side is
// warm), and never leave the machine, ask the proxy's lookup (a resolver) for a name, nor show up as a flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import type http from 'node:http';
import { createCore } from '../../../electron/core/core';
import type { CoreOptions } from '../../../electron/core/core-types';
import { testLookup } from '../../helpers/origin';
import { tempDirs } from '../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-warm-up-');

interface UpstreamResponse {
  host: string;
  method: string;
  status: number | undefined;
  peer: string | undefined;
}

/** Starts and stops a core; what the start did: names looked up, responses the process's HTTP clients got, flows. */
async function startAndStop(options: Partial<CoreOptions> = {}) {
  const lookups: string[] = [];
  const lookup: typeof testLookup = (hostname, lookupOptions, callback) => {
    lookups.push(hostname);
    testLookup(hostname, lookupOptions, callback);
  };
  // While the core starts, the proxy's forwarder is the only HTTP client in this process.
  const responses: UpstreamResponse[] = [];
  const onResponse = (message: unknown) => {
    const { request, response } = message as { request: http.ClientRequest; response: http.IncomingMessage };
    responses.push({ host: request.host, method: request.method, status: response.statusCode, peer: response.socket?.remoteAddress });
  };
  diagnosticsChannel.subscribe('http.client.response.finish', onResponse);
  const core = await createCore({ dataDir: tempDir(), host: '127.0.0.1', port: 0, lookup, version: 'test', ...options }).finally(() =>
    diagnosticsChannel.unsubscribe('http.client.response.finish', onResponse),
  );
  await core.store.flush();
  const result = { flows: core.store.count(), lookups, responses, warnings: core.store.warnings() };
  await core.dispose();
  return result;
}

const expected = {
  flows: 0,
  lookups: [],
  responses: [{ host: 'warm-up.hindsight.invalid', method: 'GET', status: 200, peer: '127.0.0.1' }],
  warnings: [],
};

test('the warm-up at start forwards one exchange to its own loopback origin, looks up no host and records no flow', async () => {
  assert.deepStrictEqual(await startAndStop(), expected);
});

test('in reverse mode the warm-up still goes to its own origin, never to the reverse target', async () => {
  assert.deepStrictEqual(await startAndStop({ reverse: 'https://reverse-target.test' }), expected);
});
