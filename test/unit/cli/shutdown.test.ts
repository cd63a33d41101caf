import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopWithin } from '../../../electron/cli/shutdown';

test('stopWithin: a shutdown that ends in time is done; one that does not names the step under way, with its detail asked at the deadline', async () => {
  const steps: string[] = [];
  const finished = await stopWithin(2_000, async (step) => {
    step('first');
    steps.push('first');
    await new Promise((resolve) => setTimeout(resolve, 10));
    step('second');
    steps.push('second');
  });
  let waitingOn = 3;
  const stuck = await stopWithin(200, async (step) => {
    step('closing the web UI');
    await new Promise((resolve) => setTimeout(resolve, 10));
    step('closing the flow store', () => `${waitingOn} removals`);
    waitingOn = 2;
    // Never ends, as a close waiting on work that never comes.
    await new Promise(() => {});
  });
  assert.deepEqual({ finished, steps, stuck }, { finished: { done: true }, steps: ['first', 'second'], stuck: { done: false, waitingFor: 'closing the flow store (2 removals)' } });
});
