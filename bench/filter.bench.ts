// Filter evaluation over 60,000 summaries (the store's default cap): compile once, then time full
// passes. Prints the median of 9 passes per expression; figures go to docs/BENCHMARKS.md by hand.
import { compileFilter } from '../electron/common/filter';
import type { FlowSummary } from '../electron/common/flow';

const COUNT = 60_000;
const hosts = ['api.example.com', 'cdn.example.com', 'static.example.net', 'auth.test', 'images.example.org'];
const summaries: FlowSummary[] = [];
for (let i = 0; i < COUNT; i++) {
  const host = hosts[i % hosts.length];
  const path = `/v${i % 3}/users/${i}/orders?page=${i % 17}&sort=desc`;
  summaries.push({
    id: `f${i}`,
    seq: i,
    startedAt: 1_763_700_000_000 + i,
    state: i % 50 === 0 ? 'failed' : 'completed',
    clientIp: i % 11 === 0 ? `::ffff:127.0.0.${i % 9}` : `127.0.0.${i % 9}`,
    method: i % 4 ? 'GET' : 'POST',
    url: `https://${i % 13 === 0 ? host.toUpperCase() : host}${path}`,
    host,
    path,
    status: [200, 201, 404, 500][i % 4],
    contentType: i % 3 ? 'application/json' : 'text/html',
    requestSize: i % 100,
    responseSize: (i * 7) % 50_000,
    durationMs: i % 900,
    appliedRuleKinds: i % 7 ? [] : ['mock'],
    pinned: i % 100 === 0,
  });
}

const expressions = [
  'users',
  'USERS',
  'nomatch',
  'ip:127.0.0.2',
  'ip:127.0.0.0/30',
  'host:*.example.com',
  'url:*/orders?page=1*',
  'path:/\\/v1\\/users\\/\\d+/',
  'method:post status:5xx',
  'size>10kb or is:error',
  '-type:json is:mocked',
  'host:api.example.com method:GET status:200 -pinned users',
];

console.log(`| expression | matched | median ms over ${COUNT} |\n| --- | --- | --- |`);
for (const expr of expressions) {
  const test = compileFilter(expr);
  const times: number[] = [];
  let matched = 0;
  for (let pass = 0; pass < 10; pass++) {
    const t0 = performance.now();
    matched = 0;
    for (let i = 0; i < summaries.length; i++) if (test(summaries[i])) matched++;
    if (pass > 0) times.push(performance.now() - t0); // pass 0 warms the JIT
  }
  times.sort((a, b) => a - b);
  console.log(`| \`${expr}\` | ${matched} | ${times[4].toFixed(2)} |`);
}
