/**
 * Trims under sustained capture through a real proxy (issue 16): the worker's removal of trimmed flows keeps
 * up and finishes, so its index never holds more than the cap and one trim's worth, matches the stored count
 * soon after the load stops, and the store closes promptly afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../../helpers/origin';
import { startTestCore } from '../../helpers/core';
import { sustainedLoad } from '../../helpers/sustained-load';
import { eventually } from '../../helpers/inspect';

const MAX_FLOWS = 2_000;
const TRIM_COUNT = 500;

test('under sustained capture at a small cap the worker removes every trimmed flow, its index stays within the cap and one trim, and the store closes promptly', { timeout: 120_000 }, async () => {
  const origin = await startOrigin();
  const t = await startTestCore({ origin, store: { maxFlows: MAX_FLOWS, trimCount: TRIM_COUNT } });
  const store = t.core.store;
  let disposed = false;
  try {
    // The worker's index, sampled through the load.
    let largestIndex = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        largestIndex = Math.max(largestIndex, await store.storedOnDisk());
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const load = await sustainedLoad({ proxyUrl: t.proxyUrl, url: `http://127.0.0.1:${origin.httpPort}/bytes?n=1024`, expectBytes: 1024, connections: 16, maxRequests: 6_000, maxMs: 25_000 });
    sampling = false;
    await sampler;
    let last = { stored: -1, onDisk: -2 };
    const converged = await eventually(
      async () => {
        last = { stored: store.count(), onDisk: await store.storedOnDisk() };
        return last.stored === last.onDisk || undefined;
      },
      "the worker's index to match the stored count",
      10_000,
    ).catch(() => false);
    const closeStarted = Date.now();
    const closed = await Promise.race([t.dispose().then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000).unref())]);
    disposed = closed;
    // Enough load for several trims (the cap is passed after 2,000 requests) on however loaded a machine.
    assert.ok(load.ok > MAX_FLOWS + 2 * TRIM_COUNT, `only ${load.ok} requests completed (${load.failed} failed)`);
    assert.deepEqual(
      { converged, last: converged ? 'equal' : last, indexWithinBound: largestIndex <= MAX_FLOWS + TRIM_COUNT || largestIndex, trimmed: (store.lastTrim()?.removedTotal ?? 0) > 0, closed, closeMs: Date.now() - closeStarted < 10_000 },
      { converged: true, last: 'equal', indexWithinBound: true, trimmed: true, closed: true, closeMs: true },
    );
  } finally {
    if (!disposed) await Promise.race([t.dispose(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]).catch(() => {});
    await origin.close();
  }
});
