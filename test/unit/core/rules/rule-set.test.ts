import { isConnectionKind } from '../../../../electron/common/connection-rule';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Rule } from '../../../../electron/common/rule';
import { matchesRule } from '../../../../electron/common/rule-match';
import { validateRule } from '../../../../electron/common/rule-validate';
import { RuleSet, type MatchedRules, type MatchInput } from '../../../../electron/core/rules/rule-set';

const HOSTS = ['api.test', 'API.test', 'cdn.api.test', 'other.test', '127.0.0.1'];
const matcher = fc.oneof(
  fc.record({ type: fc.constant('host'), host: fc.constantFrom('api.test', '*.api.test', 'other.test', '*.test', 'a?i.test') }),
  fc.record({ type: fc.constant('url'), syntax: fc.constant('wildcard'), pattern: fc.constantFrom('http://api.test/*', 'https://API.test:8443/v1/*', '*://cdn.api.test/*', '*/v1/*', 'http://other.test*', 'http://127.0.0.1:80/x?y') }),
  fc.record({ type: fc.constant('url'), syntax: fc.constant('regex'), pattern: fc.constantFrom('^http://api\\.test/', 'v1', '\\?q=') }),
  fc.record({ type: fc.constant('method'), method: fc.constantFrom('GET', 'POST') }),
);
const action = fc.constantFrom(
  { type: 'mock', status: 200, headers: [], body: '' },
  { type: 'map-remote', to: 'http://x.test' },
  { type: 'mock-request', method: 'PUT' },
  { type: 'breakpoint', on: 'request' },
  { type: 'breakpoint', on: 'response' },
  { type: 'breakpoint', on: 'both' },
);
const rule = fc.record({ matchers: fc.array(matcher, { maxLength: 2 }), action, enabled: fc.boolean(), times: fc.option(fc.constant(1), { nil: undefined }) });
const request = fc.record({
  clientIp: fc.constant('127.0.0.1'),
  method: fc.constantFrom('GET', 'POST'),
  url: fc.tuple(fc.constantFrom('http', 'https'), fc.constantFrom(...HOSTS), fc.constantFrom('', ':8443', ':80'), fc.constantFrom('/', '/v1/users', '/x?y', '/a?q=1')).map(([s, h, p, path]) => `${s}://${h}${p}${path}`),
  headers: fc.constant([] as [string, string][]),
});

/** The obvious way: every rule in order, first match per pipeline step. */
function bruteForce(rules: Rule[], hits: Map<string, number>, req: MatchInput): MatchedRules | undefined {
  let found: MatchedRules | undefined;
  for (const r of rules) {
    if (r.times !== undefined && (hits.get(r.id) ?? 0) >= r.times) continue;
    if (!matchesRule(r, req, [])) continue;
    found ??= {};
    if (r.action.type === 'breakpoint') {
      if (r.action.on !== 'response') found.requestBreakpoint ??= r;
      if (r.action.on !== 'request') found.responseBreakpoint ??= r;
    } else if (r.action.type !== 'conditions' && r.action.type !== 'ws-message' && !isConnectionKind(r.action.type)) found[r.action.type] ??= r;
  }
  return found;
}

describe('RuleSet', () => {
  it('finds what a rule-by-rule scan finds (host index, merged priority order, times)', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 12 }), fc.array(request, { minLength: 1, maxLength: 6 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (drafts, requests, used) => {
        const rules = drafts.map((d, i) => {
          const checked = validateRule({ ...d, id: `r${i}`, name: `r${i}`, priority: i });
          assert.ok(checked.ok, JSON.stringify(checked));
          return checked.rule;
        });
        const hits = new Map(rules.filter((_, i) => used[i]).map((r) => [r.id, 1]));
        const set = new RuleSet(rules, [], hits);
        for (const req of requests) assert.deepEqual(set.match(req), bruteForce(rules, hits, req), req.url);
      }),
      { numRuns: 300 },
    );
  });
});
