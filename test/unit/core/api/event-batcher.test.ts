import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiEventBatch, Status, TrimInfo } from '../../../../electron/common/api';
import { Emitter } from '../../../../electron/common/events';
import { toSummary, type FlowSummary } from '../../../../electron/common/flow';
import { EventBatcher } from '../../../../electron/core/api/event-batcher';
import { makeFlow } from '../../../helpers/flows';

/** The events a core and its store fire, as real emitters the test fires by hand. */
function emitters() {
  const e = {
    add: new Emitter<FlowSummary[]>(),
    update: new Emitter<FlowSummary[]>(),
    remove: new Emitter<{ ids: string[]; all?: boolean }>(),
    trim: new Emitter<TrimInfo>(),
    status: new Emitter<Status>(),
  };
  return {
    e,
    source: {
      store: { onDidAdd: e.add.event, onDidUpdate: e.update.event, onDidRemove: e.remove.event, onDidTrim: e.trim.event },
      onDidChangeStatus: e.status.event,
    },
  };
}

const summary = (overrides: Partial<FlowSummary> = {}): FlowSummary => ({ ...toSummary(makeFlow({ response: true })), ...overrides });
const status = (stored: number) => ({ stored }) as Status;

test('coalesces a pending batch without changing what a client ends up seeing', () => {
  const { e, source } = emitters();
  const sent: ApiEventBatch[] = [];
  const batcher = new EventBatcher(source, (b) => sent.push(b), 60_000);
  const [a, b, c, d] = [summary(), summary(), summary(), summary()];
  e.add.fire([a]);
  e.add.fire([b]);
  e.status.fire(status(1));
  e.update.fire([{ ...a, status: 500 }]); // a is pending in an add: replaced in place
  e.update.fire([{ ...c, status: 201 }]); // c is not pending: a new update event
  e.update.fire([{ ...c, status: 202 }]); // …which the next update of c replaces
  e.remove.fire({ ids: [b.id] });
  e.remove.fire({ ids: [d.id] }); // consecutive removes merge
  e.update.fire([{ ...b, status: 404 }]); // b was removed after its add: not folded into the add
  e.trim.fire({ at: 1, removed: 2, removedTotal: 2 });
  e.status.fire(status(2)); // only the newest status survives
  e.add.fire([]); // empty events add nothing
  batcher.flush();
  batcher.flush(); // nothing pending: nothing sent
  batcher.dispose();
  assert.deepStrictEqual(sent, [
    {
      events: [
        { name: 'flows/add', data: [{ ...a, status: 500 }, b] },
        { name: 'flows/update', data: [{ ...c, status: 202 }] },
        { name: 'flows/remove', data: { ids: [b.id, d.id] } },
        { name: 'flows/update', data: [{ ...b, status: 404 }] },
        { name: 'store/trimmed', data: { at: 1, removed: 2, removedTotal: 2 } },
        { name: 'status/changed', data: status(2) },
      ],
    },
  ]);
});

test('a clear forgets pending positions and is never merged into a plain remove', () => {
  const { e, source } = emitters();
  const sent: ApiEventBatch[] = [];
  const batcher = new EventBatcher(source, (b) => sent.push(b), 60_000);
  const a = summary();
  e.add.fire([a]);
  e.remove.fire({ ids: ['x'] });
  e.remove.fire({ ids: [a.id], all: true });
  e.update.fire([{ ...a, pinned: true }]);
  batcher.dispose();
  assert.deepStrictEqual(sent, [
    {
      events: [
        { name: 'flows/add', data: [a] },
        { name: 'flows/remove', data: { ids: ['x'] } },
        { name: 'flows/remove', data: { ids: [a.id], all: true } },
        { name: 'flows/update', data: [{ ...a, pinned: true }] },
      ],
    },
  ]);
});

test('the timer sends pending events; dispose sends the rest and stops listening', async () => {
  const { e, source } = emitters();
  const sent: ApiEventBatch[] = [];
  let arrived: () => void = () => {};
  const batcher = new EventBatcher(source, (b) => (sent.push(b), arrived()), 5);
  const a = summary();
  const b = summary();
  await new Promise<void>((resolve) => {
    arrived = resolve;
    e.add.fire([a]);
  });
  e.add.fire([b]);
  batcher.dispose();
  e.add.fire([summary()]);
  assert.deepStrictEqual(
    { sent, listening: [e.add.hasListeners, e.update.hasListeners, e.remove.hasListeners, e.trim.hasListeners, e.status.hasListeners] },
    { sent: [{ events: [{ name: 'flows/add', data: [a] }] }, { events: [{ name: 'flows/add', data: [b] }] }], listening: [false, false, false, false, false] },
  );
});

test("the store's own arrays are never modified", () => {
  const { e, source } = emitters();
  const batcher = new EventBatcher(source, () => {}, 60_000);
  const first = [summary()];
  const second = [summary()];
  const removed = { ids: ['a'] };
  e.add.fire(first);
  e.add.fire(second);
  e.remove.fire(removed);
  e.remove.fire({ ids: ['b'] });
  batcher.dispose();
  assert.deepStrictEqual({ first: first.length, second: second.length, removed }, { first: 1, second: 1, removed: { ids: ['a'] } });
});
