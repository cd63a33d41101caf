// Issue 14, item 2: user patterns that backtrack exponentially on JavaScript's engine (one froze the proxy
// for 10 s on a 36-character path, one filter over 112 flows blocked every client for 35 s). Saved as rules
// and sent as real requests through the proxy, then run as filters over the stored flows through the API:
// every answer must come back at once. The bound is generous for a loaded machine; the old engine took
// seconds to minutes per request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl } from '../capture/clients';

const REGEXES = ['([a-z]|[a-z0-9])*$', '(a|aa)+$', 'a*a*a*a*a*a*a*a*a*a*b', '\\d*\\d*\\d*\\d*x', '(a+)+$'];
const WILDCARD = '*a*a*a*a*a*a*a*a*a*a*a*a*a*b';
/** A path of 36 a's and a character none of the patterns accepts at the end: the worst case for backtracking. */
const HOSTILE_PATH = `/${'a'.repeat(36)}!`;
const LONG_PATH = `/${'a'.repeat(4000)}!`;
const BOUND_MS = 2000;

let origin: Origin;
let proxy: TestCore;
let api: ReturnType<typeof createApiHandlers>;

before(async () => {
  origin = await startOrigin();
  proxy = await startTestCore({ origin });
  api = createApiHandlers(proxy.core);
});
after(async () => {
  await proxy.dispose();
  await origin.close();
});

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

describe('patterns that freeze a backtracking engine', () => {
  test('are accepted as rules and requests through the proxy answer at once', async () => {
    // Mocks never match these URLs (they end in "!"), so every one of them runs on every request; the one
    // pattern that matches them all (`([a-z]|[a-z0-9])*$`, empty at the end) marks the request instead.
    const mock = { type: 'mock' as const, status: 299, headers: [] as [string, string][], body: 'mocked' };
    const mark = { type: 'mock-request' as const, headers: [['X-Marked', 'yes']] as [string, string][] };
    for (const pattern of REGEXES) {
      const action = pattern === REGEXES[0] ? mark : mock;
      await api['rules.save']({ rule: { name: `regex ${pattern}`, matchers: [{ type: 'url', pattern, syntax: 'regex' }], action } });
    }
    await api['rules.save']({ rule: { name: 'wildcard', matchers: [{ type: 'url', pattern: WILDCARD, syntax: 'wildcard' }], action: mock } });
    const saved = (await api['rules.list']({})).rules.map((r) => r.rule.matchers[0]);
    assert.deepEqual(
      saved.map((m) => (m.type === 'url' ? m.pattern : m.type)).sort(),
      [...REGEXES, WILDCARD].sort(),
    );
    const results: { path: string; status: number; ms: number }[] = [];
    for (const path of [HOSTILE_PATH, LONG_PATH]) {
      const { result, ms } = await timed(() => curl(proxy.proxyUrl, ['-s', '-o', '/dev/null', '-w', '%{http_code}', origin.url(path)], { timeoutMs: 30_000 }));
      results.push({ path: path.slice(0, 8), status: Number(result.body), ms });
    }
    assert.deepEqual(
      results.map((r) => ({ path: r.path, status: r.status, fast: r.ms < BOUND_MS })),
      [
        { path: '/aaaaaaa', status: 404, fast: true },
        { path: '/aaaaaaa', status: 404, fast: true },
      ],
      JSON.stringify(results),
    );
    // 404: the origin answered (no mock matched), and the request carries the mark.
    assert.deepEqual(origin.received.map((r) => r.rawHeaders.includes('X-Marked')), [true, true]);
  });

  test('as filters over stored flows through flows.query answer at once', async () => {
    // 112 stored flows with hostile paths, as in the issue.
    for (let i = 0; i < 110; i++) await curl(proxy.proxyUrl, ['-s', '-o', '/dev/null', origin.url(`/${'a'.repeat(36 + (i % 5))}!`)]);
    await proxy.finishedFlows(112);
    const filters = [...REGEXES.map((p) => `url:/${p}/`), `url:${WILDCARD}`, `path:/${REGEXES[1]}/i`];
    const rows: { filter: string; count: number; ms: number }[] = [];
    for (const filter of filters) {
      const { result, ms } = await timed(() => api['flows.query']({ filter, limit: 5000 }));
      rows.push({ filter, count: result.flows.length, ms });
    }
    assert.deepEqual(
      rows.map((r) => ({ filter: r.filter, count: r.count, fast: r.ms < BOUND_MS })),
      [
        // Every URL ends in "!": only `([a-z]|[a-z0-9])*$` (empty at the end) matches; `\d*…x` finds no x.
        { filter: 'url:/([a-z]|[a-z0-9])*$/', count: 112, fast: true },
        { filter: 'url:/(a|aa)+$/', count: 0, fast: true },
        { filter: 'url:/a*a*a*a*a*a*a*a*a*a*b/', count: 0, fast: true },
        { filter: 'url:/\\d*\\d*\\d*\\d*x/', count: 0, fast: true },
        { filter: 'url:/(a+)+$/', count: 0, fast: true },
        { filter: `url:${WILDCARD}`, count: 0, fast: true },
        { filter: 'path:/(a|aa)+$/i', count: 0, fast: true },
      ],
      JSON.stringify(rows),
    );
  });

  test('syntax RE2 cannot run is refused on save, naming the field', async () => {
    const err = await api['rules.save']({ rule: { name: 'lookahead', matchers: [{ type: 'url', pattern: 'users(?!/me)', syntax: 'regex' }], action: { type: 'breakpoint', on: 'both' } } }).catch((e: Error) => e);
    assert.equal((err as Error).message, 'invalid rule: matchers[0].pattern: lookahead and lookbehind are not supported (patterns use RE2 syntax, which always matches in linear time)');
  });
});
