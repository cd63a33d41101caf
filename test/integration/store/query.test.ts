import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FilterError } from '../../../electron/common/filter';
import type { FlowSummary } from '../../../electron/common/flow';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
let store: FlowStore;
let all: FlowSummary[];

const HOSTS = ['a.test', 'b.test', 'api.c.test'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = [200, 201, 204, 301, 404, 500, 503, undefined];

before(async () => {
  store = openFlowStore({ dataDir: temp.make() });
  await store.ready;
  // 600 flows spread over every value the generated expressions test, from a fixed pseudo-random sequence.
  const rand = fc.sample(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 600 * 6, maxLength: 600 * 6 }), { numRuns: 1, seed: 42 })[0];
  for (let i = 0; i < 600; i++) {
    const r = (k: number, n: number) => rand[i * 6 + k] % n;
    const status = STATUSES[r(0, STATUSES.length)];
    const host = HOSTS[r(1, HOSTS.length)];
    const contentType = ['application/json', 'text/html; charset=utf-8', undefined][r(2, 3)];
    const flow = storedFlow(store, {
      client: { ip: `127.0.0.${1 + r(3, 6)}`, port: 40000 + i },
      request: { method: METHODS[r(4, METHODS.length)], url: `http://${host}/v${1 + (i % 3)}/items/${i}?Q=${r(5, 3)}`, httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } },
      pinned: i % 17 === 0 ? true : undefined,
      response:
        status === undefined
          ? undefined
          : { status, statusText: '', headers: [], body: { size: 10, storedSize: 10, truncated: false, ...(contentType ? { contentType } : {}) } },
      state: status === undefined ? 'live' : 'completed',
    });
    store.flowStarted(flow);
  }
  all = [...store.query({ limit: 5000 }).flows];
});
after(async () => {
  await store.close();
  temp.removeAll();
});

interface Term {
  text: string;
  test: (s: FlowSummary) => boolean;
}

// Each term with its meaning written out independently of the filter compiler: the brute-force oracle.
const term: fc.Arbitrary<Term> = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((n) => ({ text: `ip:127.0.0.${n}`, test: (s: FlowSummary) => s.clientIp === `127.0.0.${n}` })),
  fc.constantFrom(0, 4).map((base) => ({ text: `ip:127.0.0.${base}/30`, test: (s: FlowSummary) => Math.floor(Number(s.clientIp.split('.')[3]) / 4) * 4 === base })),
  fc.constantFrom('GET', 'post', 'Put', 'delete').map((m) => ({ text: `method:${m}`, test: (s: FlowSummary) => s.method === m.toUpperCase() })),
  fc.constantFrom(200, 404, 500, 503).map((n) => ({ text: `status:${n}`, test: (s: FlowSummary) => s.status === n })),
  fc.constantFrom(2, 3, 4, 5).map((c) => ({ text: `status:${c}xx`, test: (s: FlowSummary) => s.status !== undefined && Math.floor(s.status / 100) === c })),
  fc.constantFrom(...HOSTS).map((h) => ({ text: `host:${h}`, test: (s: FlowSummary) => s.host === h })),
  fc.constantFrom('items/1', '/v2/', 'q=1', 'API.C').map((w) => ({ text: w, test: (s: FlowSummary) => s.url.toLowerCase().includes(w.toLowerCase()) })),
  fc.constantFrom('\\d{3}\\?', 'v[12]/items/\\d$', 'Q=2$').map((r) => ({ text: `url:/${r}/`, test: (s: FlowSummary) => new RegExp(r).test(s.url) })),
  fc.constant({ text: 'pinned', test: (s: FlowSummary) => s.pinned }),
  fc.constantFrom('json', 'html').map((t) => ({ text: `type:${t}`, test: (s: FlowSummary) => s.contentType?.includes(t) === true })),
);
const signed = fc.record({ term, negate: fc.boolean() }).map(({ term: t, negate }) =>
  negate ? { text: `-${t.text}`, test: (s: FlowSummary) => !t.test(s) } : t,
);
const expression = fc.array(fc.array(signed, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }).map((groups) => ({
  text: groups.map((g) => g.map((t) => t.text).join(' ')).join(' or '),
  test: (s: FlowSummary) => groups.some((g) => g.every((t) => t.test(s))),
}));

test('query pages match a brute-force filter over the same flows for generated expressions', () => {
  fc.assert(
    fc.property(expression, fc.integer({ min: 1, max: 150 }), (expr, limit) => {
      const expected = all.filter(expr.test);
      const pages: { ids: string[]; matched: number; total: number }[] = [];
      let before: number | undefined;
      for (let n = 0; n < 1000; n++) {
        const page = store.query({ filter: expr.text, before, limit });
        pages.push({ ids: page.flows.map((f) => f.id), matched: page.matched, total: page.total });
        if (page.nextCursor === undefined) break;
        before = page.nextCursor;
      }
      const wantPages = Math.max(1, Math.ceil(expected.length / limit));
      assert.deepEqual(
        { ids: pages.flatMap((p) => p.ids), counts: pages.map((p) => [p.matched, p.total]), pageCount: pages.length },
        { ids: expected.map((s) => s.id), counts: pages.map(() => [expected.length, 600]), pageCount: wantPages },
        expr.text,
      );
    }),
    { numRuns: 300, seed: 7 },
  );
});

test('unfiltered paging walks every flow newest first with a cursor, and the last page has none', () => {
  const first = store.query({ limit: 250 });
  const second = store.query({ limit: 250, before: first.nextCursor });
  const third = store.query({ limit: 250, before: second.nextCursor });
  assert.deepEqual(
    {
      sizes: [first.flows.length, second.flows.length, third.flows.length],
      counts: [first.matched, first.total, third.matched],
      ids: [...first.flows, ...second.flows, ...third.flows].map((s) => s.id),
      lastCursor: third.nextCursor,
      defaultLimit: store.query({}).flows.length,
      cappedLimit: store.query({ limit: 1e9 }).flows.length,
    },
    { sizes: [250, 250, 100], counts: [600, 600, 600], ids: all.map((s) => s.id), lastCursor: undefined, defaultLimit: 200, cappedLimit: 600 },
  );
});

test('a bad filter throws a FilterError that points at the bad token', () => {
  assert.throws(
    () => store.query({ filter: 'method:GET status:abc' }),
    (err: unknown) => err instanceof FilterError && err.token === 'abc' && err.start === 18 && err.end === 21,
  );
});
