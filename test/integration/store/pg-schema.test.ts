/**
 * The PostgreSQL store's migrations (electron/core/store/pg/schema.ts) as a fresh database gets them: the large
 * columns compressed with lz4 on a server that has it (PostgreSQL 14+ built with lz4, as Debian's is), and a
 * flow row large enough to be compressed stored that way and read back whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgStoreSuite } from '../../helpers/pg-stores';
import { makeFlow } from '../../helpers/flows';

const { skip, cluster, store } = pgStoreSuite();

test('bodies, message payloads, flows and summaries are lz4-compressed; a browser-sized flow is stored so and read back whole', { skip, timeout: 60_000 }, async () => {
  const url = await cluster.database();
  const s = await store(url, { node: 'alpha' });
  const { rows: columns } = await s.pool.query<{ col: string; compression: string }>(
    `SELECT attrelid::regclass || '.' || attname AS col, attcompression AS compression FROM pg_attribute
     WHERE (attrelid, attname) IN (('bodies'::regclass, 'data'), ('messages'::regclass, 'payload'), ('flows'::regclass, 'flow'), ('flows'::regclass, 'summary'))
     ORDER BY 1`,
  );
  assert.deepStrictEqual(columns, [
    { col: 'bodies.data', compression: 'l' },
    { col: 'flows.flow', compression: 'l' },
    { col: 'flows.summary', compression: 'l' },
    { col: 'messages.payload', compression: 'l' },
  ]);
  // Cookies and client hints: a row past the 2 KB PostgreSQL compresses at.
  const flow = makeFlow({ response: true });
  flow.request.headers.push(['Cookie', Array.from({ length: 40 }, (_, i) => `c${i}=${'v'.repeat(i + 20)}`).join('; ')], ['Sec-CH-UA', '"Chromium";v="131", "Not_A Brand";v="24"']);
  s.flowStarted(flow);
  await s.flush();
  const { rows } = await s.pool.query<{ compression: string }>('SELECT pg_column_compression(flow) AS compression FROM flows WHERE id = $1', [flow.id]);
  assert.deepStrictEqual(rows, [{ compression: 'lz4' }]);
  assert.deepStrictEqual(await (await store(url, { node: 'beta' })).get(flow.id), { ...flow, node: 'alpha' });
});
