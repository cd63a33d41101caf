// The start's warm-up (electron/core/capture/warm-up.ts): one exchange through the proxy's own interception,
// to the setup page the proxy answers itself. It must never leave the process nor show up as a flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../../electron/core/core';
import { testLookup } from '../../helpers/origin';

test('the warm-up at start looks up no host, forwards nothing and records no flow', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-warm-up-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const lookups: string[] = [];
  const lookup: typeof testLookup = (hostname, options, callback) => {
    lookups.push(hostname);
    testLookup(hostname, options, callback);
  };
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup, version: 'test' });
  await core.store.flush();
  const result = { flows: core.store.count(), lookups, warnings: core.store.warnings() };
  await core.dispose();
  assert.deepStrictEqual(result, { flows: 0, lookups: [], warnings: [] });
});
