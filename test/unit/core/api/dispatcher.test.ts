import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, SHELL_METHODS, type ApiEventBatch, type ApiHandlers, type LanInfo, type Status, type TrimInfo } from '../../../../electron/common/api';
import { Emitter } from '../../../../electron/common/events';
import type { FlowSummary } from '../../../../electron/common/flow';
import { createApiServerSide } from '../../../../electron/core/api/dispatcher';

function events() {
  return {
    store: {
      onDidAdd: new Emitter<FlowSummary[]>().event,
      onDidUpdate: new Emitter<FlowSummary[]>().event,
      onDidRemove: new Emitter<{ ids: string[]; all?: boolean }>().event,
      onDidTrim: new Emitter<TrimInfo>().event,
    },
    onDidChangeStatus: new Emitter<Status>().event,
  };
}

/** Only the methods a test needs; the rest are absent, as shell methods are on a headless server. */
function handlers(partial: Partial<ApiHandlers>): ApiHandlers {
  return partial as ApiHandlers;
}

test('answers requests and turns every failure into an error response', async () => {
  const internal: string[] = [];
  const server = createApiServerSide(
    handlers({
      'status.get': async () => ({ version: 'v' }) as Status,
      'flows.get': async () => {
        throw new ApiError('flows.get: nope', 'not-found');
      },
      'flows.pin': async () => {
        throw new TypeError('boom');
      },
      'flows.delete': (() => {
        throw new Error('sync throw');
      }) as never,
    }),
    events(),
    { onInternalError: (err, method) => internal.push(`${method}: ${(err as Error).message}`) },
  );
  const answers = await Promise.all(
    [
      { id: 1, method: 'status.get', params: {} },
      { id: 2, method: 'flows.get', params: { id: 'x' } },
      { id: 3, method: 'flows.pin', params: {} },
      { id: 4, method: 'flows.delete', params: {} },
      { id: 5, method: '__proto__', params: {} },
      { id: 6, method: 'trust.get', params: {} },
      { id: 7 },
      { id: 'eight', method: 'status.get' },
      [1, 2],
      null,
    ].map((r) => server.handle(r)),
  );
  server.dispose();
  const late = await server.handle({ id: 9, method: 'status.get', params: {} });
  assert.deepStrictEqual(
    { answers, late, internal: internal.sort() },
    {
      answers: [
        { id: 1, result: { version: 'v' } },
        { id: 2, error: { message: 'flows.get: nope', code: 'not-found' } },
        { id: 3, error: { message: 'boom', code: 'internal' } },
        { id: 4, error: { message: 'sync throw', code: 'internal' } },
        { id: 5, error: { message: 'unknown method: __proto__', code: 'unknown-method' } },
        { id: 6, error: { message: 'trust.get is not available here (it needs the desktop app)', code: 'unavailable' } },
        { id: 7, error: { message: 'unknown method: undefined', code: 'unknown-method' } },
        { id: 0, error: { message: 'request id must be a positive integer', code: 'bad-request' } },
        { id: 0, error: { message: 'request must be an object { id, method, params }', code: 'bad-request' } },
        { id: 0, error: { message: 'request must be an object { id, method, params }', code: 'bad-request' } },
      ],
      late: { id: 9, error: { message: 'status.get: the server is shutting down', code: 'closed' } },
      internal: ['flows.delete: sync throw', 'flows.pin: boom'],
    },
  );
});

test('every subscriber gets the same batches; one that throws is dropped, the others go on', () => {
  const source = {
    add: new Emitter<FlowSummary[]>(),
  };
  const ev = events();
  const server = createApiServerSide(handlers({}), { ...ev, store: { ...ev.store, onDidAdd: source.add.event } }, { flushMs: 60_000 });
  const good: ApiEventBatch[] = [];
  let broken = 0;
  server.subscribe((b) => good.push(b));
  server.subscribe(() => {
    broken++;
    throw new Error('socket gone');
  });
  server.publish('lan/refused', { ip: '10.0.0.9', firstAt: 1, lastAt: 1, count: 1 });
  source.add.fire([{ id: 'a' } as FlowSummary]);
  server.dispose();
  assert.deepStrictEqual(
    { good, broken, listening: source.add.hasListeners },
    {
      good: [{ events: [{ name: 'lan/refused', data: { ip: '10.0.0.9', firstAt: 1, lastAt: 1, count: 1 } }, { name: 'flows/add', data: [{ id: 'a' }] }] }],
      broken: 1,
      listening: false,
    },
  );
});

test('the batcher runs only while someone subscribes', () => {
  const add = new Emitter<FlowSummary[]>();
  const ev = events();
  const server = createApiServerSide(handlers({}), { ...ev, store: { ...ev.store, onDidAdd: add.event } });
  const before = add.hasListeners;
  const a = server.subscribe(() => {});
  const b = server.subscribe(() => {});
  const during = add.hasListeners;
  a.dispose();
  const oneLeft = add.hasListeners;
  b.dispose();
  assert.deepStrictEqual({ before, during, oneLeft, after: add.hasListeners }, { before: false, during: true, oneLeft: true, after: false });
  server.dispose();
});

// A headless `hindsight serve` has no shell methods: the settings panel shows the CLI equivalent on
// 'unavailable', so every one must answer that code, never an internal error.
test('every shell method a server lacks answers unavailable, naming the method; one it has is answered', async () => {
  const internal: unknown[] = [];
  const onInternalError = (err: unknown) => internal.push(err);
  const lan: LanInfo = { enabled: false, allow: [], addresses: [], port: 8080, refused: [] };
  const headless = createApiServerSide(handlers({ 'status.get': async () => ({}) as Status }), events(), { onInternalError });
  // Present but undefined, as spreading an optional handler can leave it.
  const spread = createApiServerSide(handlers({ 'lan.get': undefined }), events(), { onInternalError });
  const desktop = createApiServerSide(handlers({ 'lan.get': async () => lan }), events(), { onInternalError });

  const answers = await Promise.all(SHELL_METHODS.map((method, i) => headless.handle({ id: i + 1, method, params: {} })));
  const spreadAnswer = await spread.handle({ id: 1, method: 'lan.get', params: {} });
  const desktopAnswer = await desktop.handle({ id: 2, method: 'lan.get', params: {} });
  for (const server of [headless, spread, desktop]) server.dispose();

  assert.deepStrictEqual(
    { answers, spreadAnswer, desktopAnswer, internal },
    {
      answers: SHELL_METHODS.map((method, i) => ({ id: i + 1, error: { message: `${method} is not available here (it needs the desktop app)`, code: 'unavailable' } })),
      spreadAnswer: { id: 1, error: { message: 'lan.get is not available here (it needs the desktop app)', code: 'unavailable' } },
      desktopAnswer: { id: 2, result: lan },
      internal: [],
    },
  );
});
