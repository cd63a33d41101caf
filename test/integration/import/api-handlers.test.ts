// Issue 14, item 7, through the API the window's drop import calls: flows.import of a HAR with more entries
// than the store keeps stores the newest and answers how many were not kept, so the notice can say so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClient } from '../../../electron/common/api';
import { createApiServerSide, type ApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { startTestCore, type TestCore } from '../../helpers/core';

let core: TestCore;
let server: ApiServerSide;
let client: ApiClient & { dispose(): void };

before(async () => {
  core = await startTestCore({ store: { maxFlows: 5, trimCount: 2 } });
  server = createApiServerSide(createApiHandlers(core.core), core.core);
  client = connectInMemory(server);
});
after(async () => {
  client.dispose();
  server.dispose();
  await core.dispose();
});

test('flows.import over the limit: the newest entries stored, the rest counted as not kept', async () => {
  // Newest first in the file: its last entries are its oldest.
  const entries = [7, 6, 5, 4, 3, 2, 1, 0].map((hour) => ({
    startedDateTime: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(),
    request: { method: 'GET', url: `https://api-limit.test/${hour}`, httpVersion: 'HTTP/1.1', headers: [] },
    response: { status: 204, statusText: 'No Content', httpVersion: 'HTTP/1.1', headers: [] },
  }));
  const result = await client.call('flows.import', { harText: JSON.stringify({ log: { version: '1.2', entries } }) });
  const urls = await Promise.all(result.ids.map(async (id) => (await core.core.store.get(id))?.request.url));
  assert.deepEqual(
    { ...result, ids: urls },
    { imported: 8, ids: [7, 6, 5, 4, 3].map((hour) => `https://api-limit.test/${hour}`), trimmed: 0, trimmedOther: 0, notKept: 3, keeps: 5 },
  );
});
