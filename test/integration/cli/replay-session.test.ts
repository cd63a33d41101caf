// `hindsight replay --to`: a 50-request session recorded against origin A through a real core, replayed by
// the CLI (a core started in-process for the run) to origin B, which differs in exactly three known ways,
// and to a copy of A; the JSON report checked whole, exit codes, --ignore, --header, --concurrency, HTML.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { run } from '../../../electron/cli/replay';
import { startTestCore } from '../../helpers/core';
import { serveAsRunning } from '../../helpers/running-instance';
import { templatePath } from '../../../electron/common/route-template';
import type { Difference, EndpointReport, ExchangeInfo, SessionReport } from '../../../electron/common/session-report';
import { recordSession } from '../automation/record-session';
import { sessionRequests, startSessionOrigin, type SessionOrigin } from '../automation/session-origins';

let originA: SessionOrigin;
let originB: SessionOrigin;
let copyOfA: SessionOrigin;
let recorded: Awaited<ReturnType<typeof recordSession>>;
let outDir: string;

before(async () => {
  [originA, originB, copyOfA] = await Promise.all([startSessionOrigin('A'), startSessionOrigin('B'), startSessionOrigin('A')]);
  recorded = await recordSession(originA.url);
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-report-'));
});
after(async () => {
  await Promise.all([originA, originB, copyOfA].map((o) => o.close()));
  recorded.remove();
  fs.rmSync(outDir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

const FILTER = 'url:*/api/* -is:replay';
const IGNORE_FEED = '$.data.*.updatedAt';

/** The report without what differs on every run (flow ids, durations), checked separately. */
function normalized(report: SessionReport): SessionReport {
  const side = (x: ExchangeInfo): ExchangeInfo => {
    const { id: _id, durationMs: _ms, ...rest } = x;
    return rest;
  };
  return {
    ...report,
    endpoints: report.endpoints.map(({ timing, ...g }) => {
      // Both medians are there whenever the pairs are; their values differ on every run.
      assert.deepEqual(Object.keys(timing ?? {}), g.pairs.length ? ['aMedianMs', 'bMedianMs'] : []);
      return { ...g, pairs: g.pairs.map((p) => ({ ...p, a: side(p.a), b: side(p.b) })) };
    }),
  };
}

/** The report a replay of the recorded session to `target` must give, with `differences` per path, grouped by route template. */
function expectedReport(target: SessionOrigin, ignore: string[], differences: Record<string, Difference[][]>): SessionReport {
  const groups = new Map<string, EndpointReport>();
  const seen = new Map<string, number>();
  for (const r of sessionRequests()) {
    const endpoint = `${r.method} ${templatePath(r.path)}`;
    if (!groups.has(endpoint)) groups.set(endpoint, { endpoint, pairs: [], added: [], removed: [], notSent: [] });
    const nth = seen.get(r.path) ?? 0;
    seen.set(r.path, nth + 1);
    const diffs = differences[r.path]?.[nth] ?? [];
    const statusB = diffs.find((d) => d.kind === 'status')?.b as number | undefined;
    groups.get(endpoint)!.pairs.push({
      a: { method: r.method, url: `${originA.url}${r.path}`, status: 200 },
      b: { method: r.method, url: `${target.url}${r.path}`, status: statusB ?? 200 },
      same: diffs.length === 0,
      differences: diffs,
    });
  }
  const endpoints = [...groups.values()];
  const changed = endpoints.flatMap((g) => g.pairs).filter((p) => !p.same).length;
  return {
    kind: 'replay',
    a: `flows matching '${FILTER}'`,
    b: target.url,
    ignore,
    totals: { pairs: 50, same: 50 - changed, changed, added: 0, removed: 0, notSent: 0 },
    endpoints,
  };
}

const readReport = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as SessionReport;

test('replayed to B, the JSON report lists exactly the three known differences and the exit code is 1', async () => {
  const file = path.join(outDir, 'b.json');
  originB.received.length = 0;
  const result = await cli(['--data', recorded.dataDir, '--filter', FILTER, '--to', originB.url, '--ignore', IGNORE_FEED, '--report', file]);
  const report = readReport(file);
  assert.deepEqual(
    { code: result.code, stderr: result.stderr, report: normalized(report), mode: fs.statSync(file).mode & 0o777 },
    {
      code: 1,
      stderr: '',
      report: expectedReport(originB, [IGNORE_FEED], {
        '/api/users/7': [[{ kind: 'status', a: 200, b: 500 }]],
        '/api/users/12': [[{ kind: 'json', path: '$.name', a: 'User 12', b: 'USER 12' }]],
        '/api/users/20': [[{ kind: 'header', name: 'Cache-Control', a: ['max-age=60'], b: ['max-age=30'] }]],
      }),
      mode: 0o600,
    },
  );
  const pairs = report.endpoints.flatMap((g) => g.pairs);
  // The recorded side is the stored session, in capture order; every request reached B once.
  assert.deepEqual(
    { a: [...pairs].sort((x, y) => recorded.ids.indexOf(x.a.id!) - recorded.ids.indexOf(y.a.id!)).map((p) => p.a.id), b: new Set(pairs.map((p) => p.b.id)).size, received: originB.received.length },
    { a: recorded.ids, b: 50, received: 50 },
  );
  assert.equal(
    result.stdout.replace(/127\.0\.0\.1:\d+/g, 'B').split('\n').slice(0, 4).join('\n'),
    [
      'DIFF  GET /api/users/{id}  (32/35 same)',
      '        http://B/api/users/7: status 200 → 500',
      '        http://B/api/users/12: $.name "User 12" → "USER 12"',
      '        http://B/api/users/20: header Cache-Control "max-age=60" → "max-age=30"',
    ].join('\n'),
  );
  assert.match(result.stdout, /50 compared: 47 same, 3 changed, 0 not sent\n$/);
});

test('against an identical origin: only the volatile feed field differs until --ignore names it, then exit 0', async () => {
  const without = await cli(['--data', recorded.dataDir, '--filter', FILTER, '--to', copyOfA.url, '--json']);
  const html = path.join(outDir, 'same.html');
  const withIgnore = await cli(['--data', recorded.dataDir, '--filter', FILTER, '--to', copyOfA.url, '--ignore', IGNORE_FEED, '--report', html, '--json']);
  const changedPaths = (JSON.parse(without.stdout) as SessionReport).endpoints.flatMap((g) => g.pairs.filter((p) => !p.same).map((p) => [g.endpoint, p.differences.map((d) => (d.kind === 'json' ? d.path : d.kind))]));
  assert.deepEqual(
    { without: without.code, changedPaths, withIgnore: withIgnore.code, report: normalized(JSON.parse(withIgnore.stdout) as SessionReport) },
    {
      without: 1,
      changedPaths: Array.from({ length: 5 }, () => ['GET /api/feed', ['$.data[0].updatedAt', '$.data[1].updatedAt']]),
      withIgnore: 0,
      report: expectedReport(copyOfA, [IGNORE_FEED], {}),
    },
  );
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /<h1>Session replay: <span class="ok">all responses match<\/span><\/h1>/);
  // Self-contained: nothing loads from anywhere.
  assert.doesNotMatch(page, /<(script|link|img)\b|src=/i);
});

test('--concurrency keeps each pair matched although answers come back out of order; --header reaches every request', async () => {
  copyOfA.received.length = 0;
  const result = await cli(['--data', recorded.dataDir, '--filter', FILTER, '--to', copyOfA.url, '--ignore', IGNORE_FEED, '--concurrency', '8', '--header', 'X-Env: staging', '--json']);
  const report = JSON.parse(result.stdout) as SessionReport;
  const pairs = report.endpoints.flatMap((g) => g.pairs);
  assert.deepEqual(
    {
      code: result.code,
      report: normalized(report),
      pathsMatch: pairs.every((p) => new URL(p.a.url).pathname === new URL(p.b.url).pathname),
      received: [...copyOfA.received].sort(),
    },
    {
      code: 0,
      report: expectedReport(copyOfA, [IGNORE_FEED], {}),
      pathsMatch: true,
      received: sessionRequests().map((r) => `${r.method} ${r.path} x-env=staging`).sort(),
    },
  );
});

test('--map sends only the mapped origin; a request no target covers is reported as not sent (exit 1)', async () => {
  const result = await cli(['--data', recorded.dataDir, '--filter', 'url:*/api/users/1 -is:replay', '--map', `${originA.url}=${copyOfA.url}`, '--json']);
  const none = await cli(['--data', recorded.dataDir, '--filter', 'url:*/api/users/2 -is:replay', '--map', `http://elsewhere.test=${copyOfA.url}`, '--json']);
  assert.deepEqual(
    { code: result.code, totals: (JSON.parse(result.stdout) as SessionReport).totals, none: none.code, notSent: (JSON.parse(none.stdout) as SessionReport).endpoints[0].notSent.map((n) => n.reason) },
    {
      code: 0,
      totals: { pairs: 1, same: 1, changed: 0, added: 0, removed: 0, notSent: 0 },
      none: 1,
      notSent: [`no --to or --map covers ${originA.url}`],
    },
  );
});

test('when a running instance holds the data dir, the session replay goes through its API and proxy', async () => {
  const t = await startTestCore();
  const running = await serveAsRunning(t);
  try {
    for (const n of [7, 8]) {
      await new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: t.port, path: `${originA.url}/api/users/${n}` }, (res) => res.resume().on('end', resolve)).on('error', reject);
      });
    }
    await t.finishedFlows(2);
    const result = await cli(['--data', t.dataDir, '--filter', FILTER, '--to', originB.url]);
    const replays = t.core.store.query({ filter: 'is:replay', limit: 10 }).flows;
    assert.deepEqual(
      { code: result.code, stdout: result.stdout.replace(/127\.0\.0\.1:\d+/g, 'B'), replays: replays.map((f) => [f.url.replace(/127\.0\.0\.1:\d+/, 'B'), f.status]).sort() },
      {
        code: 1,
        stdout: ['DIFF  GET /api/users/{id}  (1/2 same)', '        http://B/api/users/7: status 200 → 500', '2 compared: 1 same, 1 changed, 0 not sent', ''].join('\n'),
        replays: [
          ['http://B/api/users/7', 500],
          ['http://B/api/users/8', 200],
        ],
      },
    );
  } finally {
    await running.close();
    await t.dispose();
  }
});

test('bad session flags exit 2 with one line naming the flag', async () => {
  const cases = [
    ['--filter', FILTER, '--to', `${originB.url}/path`],
    ['--filter', FILTER, '--to', originB.url, '--concurrency', '0'],
    ['--filter', FILTER, '--to', originB.url, '--report', 'out.txt'],
    ['--filter', FILTER, '--to', originB.url, '--ignore', 'not a name'],
    ['--filter', FILTER, '--to', originB.url, '--header', 'NoColon'],
    ['--filter', FILTER, '--map', 'http://a.test'],
    ['--filter', FILTER, '--header', 'X-Env: staging'],
  ];
  const results = await Promise.all(cases.map((c) => cli(['--data', recorded.dataDir, ...c])));
  assert.deepEqual(
    results.map((r) => [r.code, r.stderr.split('\n')[0]]),
    [
      [2, `hindsight replay: --to must be an origin like https://staging.example.com:8443 (no path), got '${originB.url}/path'`],
      [2, "hindsight replay: --concurrency expects a whole number from 1 to 64, got '0'"],
      [2, "hindsight replay: --report must name a .json or .html file, got 'out.txt'"],
      [2, "hindsight replay: --ignore: 'not a name' is neither a header name nor a JSON path starting with $"],
      [2, "hindsight replay: --header expects 'Name: value' (or 'Name:' to remove it), got 'NoColon'"],
      [2, "hindsight replay: --map expects FROM=TO (two origins), got 'http://a.test'"],
      [2, 'hindsight replay: --header needs --to URL or --map FROM=TO'],
    ],
  );
});
