// One failure flow per client and reason per second; the ones held back are counted on the next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureRateLimit } from '../../../../electron/core/capture/failure-limit';

test('admits one per key and window, counts the rest, and reports them on the next admitted one', () => {
  const limit = new FailureRateLimit(1000);
  const at = (key: string, now: number) => limit.admit(key, now);
  assert.deepEqual(
    [at('10.0.0.1|tls', 0), at('10.0.0.1|tls', 10), at('10.0.0.1|tls', 999), at('10.0.0.2|tls', 20), at('10.0.0.1|client', 30), at('10.0.0.1|tls', 1000), at('10.0.0.1|tls', 2500)],
    [0, undefined, undefined, 0, 0, 2, 0],
  );
  assert.equal(limit.suppressed, 2);
});

test('a flood from many addresses stays bounded (old keys dropped) and keeps admitting', () => {
  const limit = new FailureRateLimit(1000);
  let admitted = 0;
  for (let i = 0; i < 20_000; i++) if (limit.admit(`ip${i}|tls`, i) !== undefined) admitted++;
  assert.equal(admitted, 20_000);
  assert.ok((limit as unknown as { slots: Map<string, unknown> }).slots.size <= 4096);
});
