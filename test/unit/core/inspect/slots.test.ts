// Stable paths across restarts (reconcile) and what a WebSocket path leads to (routeOf), on plain data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, routeOf, liveSlot, endpointKey, type InspectorEntry, type Slot } from '../../../../electron/core/inspect/slots';

const H = '127.0.0.1';
const entry = (port: number, id: string, title = '/srv/app.js'): InspectorEntry => ({ id, title, host: H, port, raw: { id } });
const answered = (...ports: number[]) => new Set(ports.map((p) => endpointKey(H, p)));
const view = (slots: Slot[]) => slots.map((s) => ({ path: s.path, id: s.entry?.id ?? null, port: s.lastPort, restarts: s.restarts }));

test('a process that restarts on the same or another port keeps its path; restarts are counted', () => {
  const slots: Slot[] = [];
  reconcile(slots, [entry(9230, 'a')], answered(9230, 9231), undefined);
  reconcile(slots, [], answered(9230, 9231), undefined);
  assert.deepEqual(view(slots), [{ path: 'app', id: null, port: 9230, restarts: 0 }]);
  reconcile(slots, [entry(9231, 'b')], answered(9230, 9231), undefined);
  // And a new id on the same port (nodemon) straight away, without a poll in between.
  reconcile(slots, [entry(9231, 'c')], answered(9230, 9231), undefined);
  assert.deepEqual(view(slots), [{ path: 'app', id: 'c', port: 9231, restarts: 2 }]);
  assert.deepEqual(slots[0].ids, ['a', 'b', 'c']);
});

test('same script: numbered in port order; a replaced worker takes the vacant path, not a new one', () => {
  const slots: Slot[] = [];
  reconcile(slots, [entry(9232, 'w2'), entry(9230, 'p'), entry(9231, 'w1')], answered(9230, 9231, 9232, 9233), undefined);
  assert.deepEqual(view(slots).map((s) => [s.path, s.port]), [['app', 9230], ['app-2', 9231], ['app-3', 9232]]);
  reconcile(slots, [entry(9230, 'p'), entry(9232, 'w2'), entry(9233, 'w3')], answered(9230, 9231, 9232, 9233), undefined);
  assert.deepEqual(view(slots), [
    { path: 'app', id: 'p', port: 9230, restarts: 0 },
    { path: 'app-2', id: 'w3', port: 9233, restarts: 1 },
    { path: 'app-3', id: 'w2', port: 9232, restarts: 0 },
  ]);
});

test('different scripts get their own names; --name names them all', () => {
  const a: Slot[] = [];
  reconcile(a, [entry(9230, 'x', '/srv/api.js'), entry(9231, 'y', '/srv/worker.js')], answered(9230, 9231), undefined);
  assert.deepEqual(a.map((s) => s.path), ['api', 'worker']);
  const b: Slot[] = [];
  reconcile(b, [entry(9230, 'x', '/srv/api.js'), entry(9231, 'y', '/srv/worker.js')], answered(9230, 9231), 'shop');
  assert.deepEqual(b.map((s) => s.path), ['shop', 'shop-2']);
});

test('a port that did not answer in time keeps its process', () => {
  const slots: Slot[] = [];
  reconcile(slots, [entry(9230, 'a')], answered(9230), undefined);
  reconcile(slots, [], answered(), undefined);
  assert.deepEqual(view(slots), [{ path: 'app', id: 'a', port: 9230, restarts: 0 }]);
});

test('routes: stable path, stale id, bare address, __ws_proxy__, a foreign UUID, an unknown name', () => {
  const slots: Slot[] = [];
  reconcile(slots, [entry(9230, 'old', '/srv/api.js'), entry(9231, 'w', '/srv/worker.js')], answered(9230, 9231), undefined);
  reconcile(slots, [entry(9232, 'new', '/srv/api.js'), entry(9231, 'w', '/srv/worker.js')], answered(9230, 9231, 9232), undefined);
  const to = (p: string) => liveSlot(slots, routeOf(slots, p))?.entry?.id ?? routeOf(slots, p).kind;
  assert.deepEqual(
    ['/api', '/worker/', '/old', '/', '', '/__ws_proxy__', '/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b', '/nope', '/%E0%A4%A'].map(to),
    ['new', 'w', 'new', 'new', 'new', 'new', 'new', 'none', 'none'],
  );
});
