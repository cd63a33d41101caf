import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Flow } from '../../../../../electron/common/flow';
import { flowsWithRows, holdYoungLive, HOLD_LIVE_MS, MAX_HELD } from '../../../../../electron/core/store/pg/pg-batch';
import type { PendingFlow } from '../../../../../electron/core/store/pg/pg-write';
import { makeFlow } from '../../../../helpers/flows';

const NOW = 1_763_700_100_000;

/** A pending flow: `age` ms since it started, in `state`, fresh (never written) unless said. */
function pending(id: string, age: number, state: Flow['state'], fresh = true): [string, PendingFlow] {
  return [id, { flow: makeFlow({ id, startedAt: NOW - age, state }), fresh }];
}

test('a background flush holds back only fresh live exchanges started moments ago without rows in the flush', () => {
  const flows = new Map([
    pending('young-live', 10, 'live'),
    pending('young-finished', 10, 'completed'),
    pending('young-failed', 10, 'failed'),
    pending('young-intercepted', 10, 'intercepted'),
    pending('young-live-written-before', 10, 'live', false),
    pending('young-live-with-body', 10, 'live'),
    pending('old-live', HOLD_LIVE_MS, 'live'),
    pending('live-from-the-future', -5_000, 'live'),
  ]);
  const { write, held } = holdYoungLive(flows, flowsWithRows([{ flowId: 'young-live-with-body' }], []), NOW);
  assert.deepEqual(
    { write: [...write.keys()], held: [...held.keys()] },
    {
      write: ['young-finished', 'young-failed', 'young-intercepted', 'young-live-written-before', 'young-live-with-body', 'old-live', 'live-from-the-future'],
      held: ['young-live'],
    },
  );
  assert.equal(held.get('young-live'), flows.get('young-live'), 'the same pending entry, so later records of the flow update it');
});

test('no more than MAX_HELD flows are held by one flush; the rest are written live', () => {
  const flows = new Map(Array.from({ length: MAX_HELD + 3 }, (_, i) => pending(`f${i}`, 1, 'live')));
  const { write, held } = holdYoungLive(flows, new Set(), NOW);
  assert.deepEqual({ write: [...write.keys()], held: held.size }, { write: [`f${MAX_HELD}`, `f${MAX_HELD + 1}`, `f${MAX_HELD + 2}`], held: MAX_HELD });
});

test('the hold is a parameter: a longer one holds older live exchanges too', () => {
  const flows = new Map([pending('a', HOLD_LIVE_MS * 4, 'live')]);
  assert.deepEqual([...holdYoungLive(flows, new Set(), NOW, HOLD_LIVE_MS * 10).held.keys()], ['a']);
});
