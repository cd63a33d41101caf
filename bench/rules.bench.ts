/**
 * What rules cost the proxy (issue 5): HTTP throughput through a real core (createCore, capture on) to a
 * local origin, 1 KB responses over keep-alive connections, with 0, 100 and 1,000 rules loaded — none
 * matching, and the last one matching (a map-remote back to the same origin, so the exchange does the same
 * work and only the rules differ). Plus the matching cost alone (RuleSet.match) per request.
 * Bounded: each throughput run lasts DURATION_MS; each matching run a fixed count.
 * Run: `npm run bench rules`. Figures go to docs/bench/rules.md with date and machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool, ProxyAgent, request } from 'undici';
import type { RuleDraft } from '../electron/common/rule-state';
import { createCore } from '../electron/core/core';
import { ConditionsService } from '../electron/core/conditions/service';
import { RuleBook } from '../electron/core/rules/rule-book';
import { startOrigin, testLookup } from '../test/helpers/origin';

const DURATION_MS = 4000;
const WARMUP_MS = 800;
const CONNECTIONS = 8;
const MATCH_RUNS = 20_000;

/**
 * Rules that look like real ones (URL wildcards and regexes, hosts, methods, headers, client scopes) but match
 * nothing sent here. `conditions`: every fifth is a network-conditions rule (latency, bandwidth, failures).
 */
function decoys(n: number, conditions = false): RuleDraft[] {
  const rules: RuleDraft[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    const matchers: RuleDraft['matchers'] =
      kind === 0
        ? [{ type: 'url', pattern: `https://api-${i}.example.test/v1/users/*`, syntax: 'wildcard' }]
        : kind === 1
          ? [{ type: 'url', pattern: `^https?://cdn${i}\\.example\\.test/assets/.*\\.(png|jpg)$`, syntax: 'regex' }]
          : kind === 2
            ? [{ type: 'host', host: `*.svc-${i}.example.test` }, { type: 'method', method: 'POST' }]
            : kind === 3
              ? [{ type: 'header', name: 'X-Debug-Rule', value: `case-${i}` }]
              : [{ type: 'url', pattern: `*/only-for-${i}/*`, syntax: 'wildcard' }];
    rules.push({
      name: `decoy ${i}`,
      matchers,
      action:
        conditions && kind === 4
          ? { type: 'conditions', conditions: { latencyMs: 300, jitterMs: 50, downloadKbps: 780, resetPercent: 5 } }
          : i % 2
            ? { type: 'mock', status: 500, headers: [], body: 'x' }
            : { type: 'map-remote', to: `https://staging-${i}.example.test` },
      ...(i % 7 === 0 ? { scope: { clients: ['10.1.0.0/16'] } } : {}),
    });
  }
  return rules;
}

async function throughput(proxyUrl: string, url: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const agent = new ProxyAgent({ uri: proxyUrl, proxyTunnel: false, factory: (origin, opts) => new Pool(origin, { ...opts, connections: CONNECTIONS }) });
  const latencies: number[] = [];
  let errors = 0;
  const run = async (until: number, record: boolean) => {
    const worker = async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          const res = await request(url, { dispatcher: agent });
          const body = await res.body.arrayBuffer();
          if (res.statusCode !== 200 || body.byteLength !== 1024) errors++;
        } catch {
          errors++;
        }
        if (record) latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  };
  await run(performance.now() + WARMUP_MS, false);
  const start = performance.now();
  await run(start + DURATION_MS, true);
  const elapsed = performance.now() - start;
  await agent.close();
  latencies.sort((a, b) => a - b);
  return { rps: (latencies.length / elapsed) * 1000, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)], errors };
}

/** CPU µs per request of RuleSet.match, and of the network-conditions lookup the proxy makes first (ConditionsService.forRequest). */
async function matchingCost(dataDir: string, rules: RuleDraft[], url: string): Promise<{ match: number; conditions: number }> {
  const store = new RuleBook(path.join(dataDir, `match-${rules.length}`));
  await store.ready;
  if (rules.length) await store.saveAll(rules);
  const set = store.ruleSet();
  const input = { clientIp: '127.0.0.1', method: 'GET', url, headers: [['Host', 'origin.test'], ['User-Agent', 'bench'], ['Accept', '*/*']] as [string, string][] };
  for (let i = 0; i < 2000; i++) set.match(input);
  // CPU time, not wall time: on a shared machine other processes' load would otherwise count as ours.
  const cpu = process.cpuUsage();
  for (let i = 0; i < MATCH_RUNS; i++) set.match(input);
  const used = process.cpuUsage(cpu);
  const perCall = (used.user + used.system) / MATCH_RUNS;
  const conditions = new ConditionsService({ rules: () => set, hit: () => true });
  const connection = {};
  for (let i = 0; i < 2000; i++) conditions.forRequest(input, connection);
  const cpu2 = process.cpuUsage();
  for (let i = 0; i < MATCH_RUNS; i++) conditions.forRequest(input, connection);
  const used2 = process.cpuUsage(cpu2);
  await store.close();
  return { match: perCall, conditions: (used2.user + used2.system) / MATCH_RUNS };
}

async function main() {
  const origin = await startOrigin();
  const url = origin.url('/bytes?n=1024');
  const lastMatching: RuleDraft = { name: 'last: map-remote to the same origin', matchers: [{ type: 'url', pattern: `${origin.url('/bytes')}*`, syntax: 'wildcard' }], action: { type: 'map-remote', to: `http://origin.test:${origin.httpPort}` } };
  const scenarios: { label: string; rules: RuleDraft[] }[] = [
    { label: '0 rules', rules: [] },
    { label: '100 rules, none matching', rules: decoys(100) },
    { label: '100 rules, the last matching', rules: [...decoys(99), lastMatching] },
    { label: '100 rules (20 of them network conditions), none matching', rules: decoys(100, true) },
    { label: '1,000 rules, none matching', rules: decoys(1000) },
    { label: '1,000 rules, the last matching', rules: [...decoys(999), lastMatching] },
  ];
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`HTTP GET 1 KB through the proxy, ${CONNECTIONS} keep-alive connections, ${DURATION_MS / 1000} s per run after ${WARMUP_MS} ms warm-up, capture on\n`);
  console.log('| rules loaded | requests/s | p50 ms | p99 ms | errors | RuleSet.match CPU µs/request | conditions lookup CPU µs/request |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const scenario of scenarios) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
    const core = await createCore({ dataDir, port: 0, lookup: testLookup, version: 'bench' });
    try {
      if (scenario.rules.length) await core.rules.store.saveAll(scenario.rules);
      const { port } = core.proxyAddress();
      const result = await throughput(`http://127.0.0.1:${port}`, url);
      const match = await matchingCost(dataDir, scenario.rules, url);
      console.log(`| ${scenario.label} | ${result.rps.toFixed(0)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ${result.errors} | ${match.match.toFixed(2)} | ${match.conditions.toFixed(2)} |`);
    } finally {
      await core.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  await origin.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
