// Issue 14, item 7: `hindsight import` of a HAR with more entries than the store keeps (here a running
// instance kept at 20 flows, as `serve --keep-flows 20` keeps it) stores the newest entries by startedDateTime,
// not the file's last, and says exactly what was kept and what was not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestCore, type TestCore } from '../../helpers/core';
import { importCli as cli, serveImports } from '../../helpers/import-target';
import { tempDirs } from '../../helpers/temp-dirs';

let core: TestCore;
let served: Awaited<ReturnType<typeof serveImports>>;
const tempDir = tempDirs('hindsight-import-limit-');

before(async () => {
  core = await startTestCore({ store: { maxFlows: 20, trimCount: 4 } });
  served = await serveImports(core);
});
after(async () => {
  await served.close();
  await core.dispose();
});

test('a HAR of 50 entries into a store that keeps 20: the 20 newest are stored, and the output says so', async () => {
  const file = path.join(tempDir(), 'over.har');
  // Newest first, as some tools write them: the file's last 20 entries are its oldest.
  const entries = Array.from({ length: 50 }, (_, i) => 49 - i).map((minute) => ({
    startedDateTime: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    request: { method: 'GET', url: `https://over.test/${minute}`, httpVersion: 'HTTP/1.1', headers: [] },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], content: { size: 2, mimeType: 'text/plain', text: 'ok' } },
  }));
  fs.writeFileSync(file, JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } }));
  const result = await cli(['--data', core.dataDir, file]);
  await core.core.store.flush();
  const minutes = core.core.store
    .query({ limit: 100 })
    .flows.map((f) => Number(f.url.split('/').at(-1)))
    .sort((a, b) => a - b);
  assert.deepEqual(
    { result, minutes },
    {
      result: { code: 0, stdout: `Imported 50 flows from ${file} into the running hindsight (${core.dataDir})\nThe store keeps the newest 20 — 30 older ones were not kept.\n`, stderr: '' },
      minutes: Array.from({ length: 20 }, (_, i) => 30 + i),
    },
  );
});
