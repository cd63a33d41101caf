/**
 * `path:` and `url:` wildcards decided in SQL (filter-sql.ts wildcardRegex) list exactly what the embedded
 * store lists for the same flows — also where PostgreSQL's own case folding (ILIKE) and RE2's disagree: the
 * KELVIN SIGN and LONG S that Unicode folds onto k and s, a dotted capital I, a newline, LIKE's own `%` and
 * `_`, regex characters, a path and query longer than an index entry may be — and page and count come from
 * the database (no 50,000-row scan).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlowPage } from '../../../electron/common/api';
import { parseFilter } from '../../../electron/common/filter';
import { openFlowStore } from '../../../electron/core/store';
import { filterToSql } from '../../../electron/core/store/pg/filter-sql';
import { makeFlow } from '../../helpers/flows';
import { pgStoreSuite } from '../../helpers/pg-stores';

const { skip, cluster, store } = pgStoreSuite();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pg-wildcard-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const PATHS = [
  '/api/v1/items/1',
  '/API/V1/Items/2',
  '/api/v2/items/3',
  '/api/v1',
  '/apix/v1/items/4',
  '/\u212aeys/1',
  '/keys/2',
  '/\u017fessions',
  '/Sessions',
  '/\u0130tems',
  '/items',
  '/a\nb/c',
  '/100%/done',
  '/a_b/c',
  '/a.b/c',
  '/(x)[y]{z}^$|+\\/end',
  '/users?id=1&kind=2',
  // Past the 2,704 bytes of a B-tree entry: the index keeps its folded first 512 characters (migration 8).
  `/long?q=${randomBytes(4500).toString('base64url')}`,
];

const PATTERNS = [
  '/api/v1/*',
  '/API/v1/*',
  '/api/v?/items/*',
  '/keys/*',
  '/Keys/?',
  '/sessions',
  '/items',
  '/a?b/c',
  '/a*/c',
  '*\\/end',
  '/(x)[y]{z}^$|+*',
  '/100%/*',
  '/a_b/*',
  '/users?id=*',
  '*',
  '/**/items/*',
  '/LONG?q=*',
];

test('path: and url: wildcards in SQL list what the embedded store lists, exactly, with the count from the database', { skip, timeout: 60_000 }, async () => {
  const pg = await store(await cluster.database(), { maxFlows: Infinity });
  const embedded = openFlowStore({ dataDir, maxFlows: Infinity });
  try {
    await embedded.ready;
    PATHS.forEach((p, i) => {
      const flow = makeFlow({ response: true, id: `w${i}`, seq: i + 1, startedAt: 1_763_700_000_000 + i, request: { method: 'GET', url: `http://example.test${p}`, httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } });
      pg.flowStarted(structuredClone(flow));
      embedded.flowStarted(structuredClone(flow));
    });
    await pg.flush();
    await embedded.flush();
    const listed = (page: FlowPage) => ({ ids: page.flows.map((f) => f.id), matched: page.matched });
    const filters = [...PATTERNS.map((p) => `path:${p}`), ...PATTERNS.map((p) => `url:http://example.test${p}`), 'url:*ITEMS*', '-path:/api/*'];
    const fromSql: Record<string, unknown> = {};
    const fromEmbedded: Record<string, unknown> = {};
    for (const filter of filters) {
      assert.ok(filterToSql(parseFilter(filter)).exact, `${filter} is decided in SQL`);
      fromSql[filter] = listed(await pg.query({ filter, limit: 100 }));
      fromEmbedded[filter] = listed(embedded.query({ filter, limit: 100 }));
    }
    assert.deepStrictEqual(fromSql, fromEmbedded);
    // Some of each kind of difference is really there to be told apart.
    assert.deepStrictEqual(
      { keys: fromSql['path:/keys/*'], sessions: fromSql['path:/sessions'], items: fromSql['path:/items'], newline: fromSql['path:/a?b/c'], long: fromSql['path:/LONG?q=*'] },
      {
        keys: { ids: ['w6', 'w5'], matched: 2 },
        sessions: { ids: ['w8', 'w7'], matched: 2 },
        items: { ids: ['w10'], matched: 1 },
        newline: { ids: ['w14', 'w13'], matched: 2 },
        long: { ids: ['w17'], matched: 1 },
      },
    );
  } finally {
    await embedded.close();
  }
});
