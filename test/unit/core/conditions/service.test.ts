import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceProfile, Rule } from '../../../../electron/common/rule';
import { validateRule } from '../../../../electron/common/rule-validate';
import { Budget, CREDIT_MS } from '../../../../electron/core/conditions/budget';
import { ConditionsService } from '../../../../electron/core/conditions/service';
import { RuleSet } from '../../../../electron/core/rules/rule-set';

describe('Budget', () => {
  it('books the link one reservation after another, whoever reserves, and credits at most CREDIT_MS of idle time', () => {
    const budget = new Budget(1000); // 1,000 bytes per second: 1 byte per ms
    assert.deepEqual(
      [budget.reserve(100, 10_000), budget.reserve(100, 10_000), budget.reserve(50, 10_100), budget.reserve(100, 20_000)],
      // A fresh link: 100 bytes end 100 ms after the credited start; the next waits behind it; an idle one starts CREDIT_MS early.
      [100 - CREDIT_MS, 200 - CREDIT_MS, 150 - CREDIT_MS, 100 - CREDIT_MS],
    );
  });
});

const profile = (conditions: DeviceProfile['conditions'], clients = ['127.0.0.2']): DeviceProfile => ({ id: 'p', name: 'Phone', clients, rules: [], ...(conditions ? { conditions } : {}) });

function rule(input: Record<string, unknown>): Rule {
  const checked = validateRule({ id: 'r', name: 'slow api', ...input });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.rule;
}

function service(rules: Rule[], profiles: DeviceProfile[], randoms: number[]) {
  const set = new RuleSet(rules, profiles, new Map());
  let i = 0;
  return new ConditionsService({ rules: () => set, hit: () => true, random: () => randoms[i++ % randoms.length] });
}

const request = (clientIp: string, url = 'http://api.test/x') => ({ clientIp, method: 'GET', url, headers: [] as [string, string][] });

describe('ConditionsService', () => {
  it('draws latency ± jitter, pays connection setup once per connection, and picks the failure by the roll', () => {
    const s = service([], [profile({ latencyMs: 100, jitterMs: 40, connectLatencyMs: 200, resetPercent: 10, stallPercent: 10 })], [0, 0.05, 1 - 1e-9, 0.15, 0.5, 0.5]);
    const connection = {};
    const first = s.forRequest(request('127.0.0.2'), connection)!;
    const second = s.forRequest(request('127.0.0.2'), connection)!;
    const third = s.forRequest(request('127.0.0.2'), connection)!;
    assert.deepEqual(
      [first, second, third].map((x) => ({ delayMs: Math.round(x.delayMs), failure: x.failure })),
      [
        { delayMs: 260, failure: 'reset' },
        { delayMs: 140, failure: 'stall' },
        { delayMs: 100, failure: undefined },
      ],
    );
    assert.equal(s.forRequest(request('127.0.0.3'), {}), undefined);
  });

  it('one budget per device and condition: shared by a device’s connections, never by another device', () => {
    const s = service([], [profile({ downloadKbps: 100, uploadKbps: 50 }, ['127.0.0.0/24'])], [0.5]);
    const a1 = s.forRequest(request('127.0.0.2'), {})!;
    const a2 = s.forRequest(request('127.0.0.2'), {})!;
    const b = s.forRequest(request('127.0.0.3'), {})!;
    assert.deepEqual(
      { shared: a1.download === a2.download, separate: a1.download !== b.download, directions: a1.download !== a1.upload, rates: [a1.download!.bytesPerSecond, a1.upload!.bytesPerSecond] },
      { shared: true, separate: true, directions: true, rates: [12_500, 6_250] },
    );
  });

  it('a matching conditions rule wins over the profile; the switch turns everything off; offline resets at once', () => {
    const slow = rule({ matchers: [{ type: 'host', host: 'api.test' }], action: { type: 'conditions', conditions: { preset: 'offline' } } });
    const s = service([slow], [profile({ latencyMs: 10 })], [0.5]);
    const onApi = s.forRequest(request('127.0.0.2'), {})!;
    const elsewhere = s.forRequest(request('127.0.0.2', 'http://other.test/'), {})!;
    assert.deepEqual(
      [
        { applied: onApi.applied, failure: onApi.failure, delayMs: onApi.delayMs },
        { applied: elsewhere.applied, failure: elsewhere.failure, delayMs: elsewhere.delayMs },
        s.summary(),
      ],
      [
        { applied: { id: 'r', kind: 'conditions', name: 'slow api' }, failure: 'reset', delayMs: 0 },
        { applied: { id: 'p', kind: 'conditions', name: 'profile Phone' }, failure: undefined, delayMs: 10 },
        { enabled: true, rules: 1, profiles: 1 },
      ],
    );
    s.enabled = false;
    assert.deepEqual([s.active(), s.forRequest(request('127.0.0.2'), {})], [false, undefined]);
  });

  it('conditions rules stay out of the pipeline’s rule count (its fast path)', () => {
    const set = new RuleSet([rule({ action: { type: 'conditions', conditions: { latencyMs: 5 } } })], [], new Map());
    assert.deepEqual([set.size, set.conditionRuleCount, set.match(request('127.0.0.2'))], [0, 1, undefined]);
  });
});
