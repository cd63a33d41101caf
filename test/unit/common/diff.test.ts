import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffBody, diffFlows, diffHeaders, VOLATILE_HEADERS, type DiffBody, type DiffInput, type FlowDiff } from '../../../electron/common/diff';
import { diffJson } from '../../../electron/common/diff-json';
import { diffText, MAX_TEXT_DIFF_CHARS } from '../../../electron/common/diff-text';
import type { Flow } from '../../../electron/common/flow';
import { makeFlow } from '../../helpers/flows';

const none: DiffBody = { kind: 'none' };
const text = (t: string, contentType?: string): DiffBody => ({ kind: 'text', text: t, size: t.length, truncated: false, ...(contentType ? { contentType } : {}) });
const input = (flow: Flow, request: DiffBody = none, response: DiffBody = none): DiffInput => ({ flow, request, response });

function original(): Flow {
  return makeFlow({
    id: 'orig',
    startedAt: 1000,
    request: {
      method: 'POST',
      url: 'http://api.test/orders?x=1',
      httpVersion: '1.1',
      headers: [
        ['Host', 'api.test'],
        ['traceparent', '00-aaa-bbb-01'],
        ['X-Dup', 'one'],
        ['X-Dup', 'two'],
        ['Content-Type', 'application/json'],
      ],
      body: { size: 20, storedSize: 20, truncated: false, contentType: 'application/json', blob: 'orig-request' },
    },
    response: {
      status: 200,
      statusText: 'OK',
      headers: [
        ['Date', 'Mon, 01 Jan 2026 00:00:00 GMT'],
        ['Content-Type', 'application/json'],
        ['ETag', '"v1"'],
        ['Set-Cookie', 'sid=abc; Path=/; Expires=Mon, 01 Jan 2026 01:00:00 GMT; HttpOnly'],
        ['Server', 'one'],
      ],
      body: { size: 40, storedSize: 40, truncated: false, contentType: 'application/json', blob: 'orig-response' },
    },
    timings: { dnsMs: 2, connectMs: 3, waitMs: 10, totalMs: 20, reusedConnection: false },
  });
}

function replay(): Flow {
  const flow = original();
  return {
    ...flow,
    id: 'again',
    startedAt: 5000,
    replayOf: 'orig',
    request: { ...flow.request, headers: [['Host', 'api.test'], ['traceparent', '00-ccc-ddd-01'], ['x-dup', 'one'], ['x-dup', 'three'], ['Content-Type', 'application/json']] },
    response: {
      ...flow.response!,
      status: 201,
      statusText: 'Created',
      headers: [
        ['date', 'Mon, 01 Jan 2026 00:05:00 GMT'],
        ['Content-Type', 'application/json'],
        ['ETag', '"v2"'],
        ['Set-Cookie', 'sid=abc; Path=/; Expires=Mon, 01 Jan 2026 01:05:00 GMT; HttpOnly'],
        ['X-Request-Id', 'r-2'],
        ['Via', 'cache'],
      ],
    },
    timings: { connectMs: 4, tlsMs: 5, waitMs: 7, totalMs: 25, reusedConnection: true },
  };
}

test('a replay against its original: status, header changes with volatile ones hidden, JSON paths, timings', () => {
  const result = diffFlows(
    input(original(), text('{"item":"a","qty":1}', 'application/json'), text('{"id":7,"tags":["x","y"],"total":10,"meta":{"v":1}}', 'application/json')),
    input(replay(), text('{"qty":1,"item":"a"}', 'application/json'), text('{"id":8,"tags":["x"],"total":10,"meta":{"v":1,"w":2},"odd key":true}', 'application/json')),
  );
  const expected: FlowDiff = {
    a: { id: 'orig', method: 'POST', url: 'http://api.test/orders?x=1', status: 200, startedAt: 1000, state: 'completed' },
    b: { id: 'again', method: 'POST', url: 'http://api.test/orders?x=1', status: 201, startedAt: 5000, state: 'completed', replayOf: 'orig' },
    same: false,
    request: {
      headers: { changes: [{ type: 'changed', name: 'X-Dup', a: ['one', 'two'], b: ['one', 'three'] }], unchanged: 2, hidden: ['traceparent'] },
      body: {
        kind: 'json',
        same: true,
        a: { size: 20, truncated: false, contentType: 'application/json' },
        b: { size: 20, truncated: false, contentType: 'application/json' },
        changes: [],
        more: 0,
      },
    },
    response: {
      status: { a: 200, b: 201 },
      statusText: { a: 'OK', b: 'Created' },
      headers: {
        changes: [
          { type: 'removed', name: 'Server', values: ['one'] },
          { type: 'added', name: 'Via', values: ['cache'] },
        ],
        unchanged: 1,
        hidden: ['Date', 'ETag', 'Set-Cookie', 'X-Request-Id'],
      },
      body: {
        kind: 'json',
        same: false,
        a: { size: 51, truncated: false, contentType: 'application/json' },
        b: { size: 68, truncated: false, contentType: 'application/json' },
        changes: [
          { type: 'changed', path: '$.id', a: 7, b: 8 },
          { type: 'removed', path: '$.tags[1]', a: 'y' },
          { type: 'added', path: '$.meta.w', b: 2 },
          { type: 'added', path: '$["odd key"]', b: true },
        ],
        more: 0,
      },
    },
    timings: {
      phases: [
        { phase: 'dnsMs', a: 2 },
        { phase: 'connectMs', a: 3, b: 4, deltaMs: 1 },
        { phase: 'tlsMs', b: 5 },
        { phase: 'waitMs', a: 10, b: 7, deltaMs: -3 },
        { phase: 'totalMs', a: 20, b: 25, deltaMs: 5 },
      ],
      reusedConnection: { a: false, b: true },
    },
  };
  assert.deepEqual(result, expected);
});

test('with volatile headers shown, they are changes like any other, Set-Cookie expiry included', () => {
  const result = diffFlows(input(original()), input(replay()), { hideVolatile: false });
  assert.deepEqual(
    { request: result.request.headers, response: result.response.headers },
    {
      request: {
        changes: [
          { type: 'changed', name: 'traceparent', a: ['00-aaa-bbb-01'], b: ['00-ccc-ddd-01'] },
          { type: 'changed', name: 'X-Dup', a: ['one', 'two'], b: ['one', 'three'] },
        ],
        unchanged: 2,
        hidden: [],
      },
      response: {
        changes: [
          { type: 'changed', name: 'Date', a: ['Mon, 01 Jan 2026 00:00:00 GMT'], b: ['Mon, 01 Jan 2026 00:05:00 GMT'] },
          { type: 'changed', name: 'ETag', a: ['"v1"'], b: ['"v2"'] },
          {
            type: 'changed',
            name: 'Set-Cookie',
            a: ['sid=abc; Path=/; Expires=Mon, 01 Jan 2026 01:00:00 GMT; HttpOnly'],
            b: ['sid=abc; Path=/; Expires=Mon, 01 Jan 2026 01:05:00 GMT; HttpOnly'],
          },
          { type: 'removed', name: 'Server', values: ['one'] },
          { type: 'added', name: 'X-Request-Id', values: ['r-2'] },
          { type: 'added', name: 'Via', values: ['cache'] },
        ],
        unchanged: 1,
        hidden: [],
      },
    },
  );
});

test('the volatile list can be replaced per side; a Set-Cookie with a new value is never hidden', () => {
  const a: [string, string][] = [['Server', 'one'], ['Date', 'x'], ['Set-Cookie', 'sid=1; Max-Age=10']];
  const b: [string, string][] = [['Server', 'two'], ['Date', 'y'], ['Set-Cookie', 'sid=2; Max-Age=20']];
  assert.deepEqual(diffHeaders(a, b, new Set(['server'])), {
    changes: [
      { type: 'changed', name: 'Date', a: ['x'], b: ['y'] },
      { type: 'changed', name: 'Set-Cookie', a: ['sid=1; Max-Age=10'], b: ['sid=2; Max-Age=20'] },
    ],
    unchanged: 0,
    hidden: ['Server'],
  });
  const viaOptions = diffFlows(input(makeFlow({ id: 'a', response: { status: 200, statusText: 'OK', headers: a, body: { size: 0, storedSize: 0, truncated: false } } })), input(makeFlow({ id: 'b', response: { status: 200, statusText: 'OK', headers: b, body: { size: 0, storedSize: 0, truncated: false } } })), { volatile: { response: ['Server', 'DATE'] } });
  assert.deepEqual(viaOptions.response.headers.hidden, ['Server', 'Date']);
  assert.ok(VOLATILE_HEADERS.response.includes('etag') && VOLATILE_HEADERS.request.includes('traceparent'));
});

test('equal flows are the same; timings alone do not make a difference', () => {
  const a = original();
  const b = { ...original(), id: 'b', timings: { totalMs: 99 } };
  const body = text('{"a":1}', 'application/json');
  const result = diffFlows(input(a, body, text('ok')), input(b, body, text('ok')));
  assert.equal(result.same, true);
  assert.deepEqual(result.response.body, { kind: 'text', same: true, a: { size: 2, truncated: false }, b: { size: 2, truncated: false }, hunks: [] });
});

test('text bodies differ by line hunks with context', () => {
  const a = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9'].join('\n') + '\n';
  const b = ['line 1', 'line 2', 'line 3', 'line 4', 'line five', 'line 6', 'line 7', 'line 8', 'line 9', 'line 10'].join('\n') + '\n';
  assert.deepEqual(diffBody(text(a, 'text/plain'), text(b, 'text/plain'), 1), {
    kind: 'text',
    same: false,
    a: { size: a.length, truncated: false, contentType: 'text/plain' },
    b: { size: b.length, truncated: false, contentType: 'text/plain' },
    hunks: [
      {
        aStart: 4,
        aLines: 3,
        bStart: 4,
        bLines: 3,
        lines: [
          { type: 'same', text: 'line 4' },
          { type: 'removed', text: 'line 5' },
          { type: 'added', text: 'line five' },
          { type: 'same', text: 'line 6' },
        ],
      },
      { aStart: 9, aLines: 1, bStart: 9, bLines: 2, lines: [{ type: 'same', text: 'line 9' }, { type: 'added', text: 'line 10' }] },
    ],
  });
});

test('a body on one side only, JSON against HTML, binary bodies, and oversized text', () => {
  const bytes = (...b: number[]): DiffBody => ({ kind: 'binary', bytes: Uint8Array.from(b), size: b.length, truncated: false, contentType: 'image/png' });
  assert.deepEqual(
    {
      oneSide: diffBody(none, text('new\n')),
      jsonVsHtml: diffBody(text('{"a":1}', 'application/json'), text('<h1>502</h1>', 'text/html')).kind,
      binarySame: diffBody(bytes(1, 2, 3), bytes(1, 2, 3)),
      binaryDiffers: diffBody(bytes(1, 2, 3), bytes(1, 2, 4, 5)),
      textVsBinary: diffBody(text('abc'), bytes(0, 1)).kind,
      huge: diffText('x'.repeat(MAX_TEXT_DIFF_CHARS + 1), 'y'),
      neither: diffBody(none, none),
    },
    {
      oneSide: { kind: 'text', same: false, a: { size: 0, truncated: false }, b: { size: 4, truncated: false }, hunks: [{ aStart: 1, aLines: 0, bStart: 1, bLines: 1, lines: [{ type: 'added', text: 'new' }] }] },
      jsonVsHtml: 'text',
      binarySame: { kind: 'binary', same: true, a: { size: 3, truncated: false, contentType: 'image/png' }, b: { size: 3, truncated: false, contentType: 'image/png' } },
      binaryDiffers: { kind: 'binary', same: false, a: { size: 3, truncated: false, contentType: 'image/png' }, b: { size: 4, truncated: false, contentType: 'image/png' } },
      textVsBinary: 'binary',
      huge: { hunks: [], skipped: 'too-large' },
      neither: { kind: 'none' },
    },
  );
});

test('JSON structure: arrays by index, type changes, nested paths, and a bounded change list', () => {
  assert.deepEqual(diffJson({ a: [1, { b: 2 }], c: { d: null }, e: 'x' }, { a: [1, { b: 3 }, 4], c: [1], e: 'x' }), {
    changes: [
      { type: 'changed', path: '$.a[1].b', a: 2, b: 3 },
      { type: 'added', path: '$.a[2]', b: 4 },
      { type: 'changed', path: '$.c', a: { d: null }, b: [1] },
    ],
    more: 0,
  });
  const many = diffJson(Array.from({ length: 10 }, (_, i) => i), [], 4);
  assert.deepEqual(many, {
    changes: [0, 1, 2, 3].map((i) => ({ type: 'removed', path: `$[${i}]`, a: i })),
    more: 6,
  });
});

test('failures and a missing response show as changes', () => {
  const ok = makeFlow({ id: 'ok', response: true });
  const failed = makeFlow({ id: 'bad', state: 'failed', error: { phase: 'connect', message: 'refused' } });
  const result = diffFlows(input(ok), input(failed));
  assert.deepEqual(
    { same: result.same, status: result.response.status, statusText: result.response.statusText, error: result.error },
    { same: false, status: { a: 200 }, statusText: { a: 'OK' }, error: { b: 'connect: refused' } },
  );
});
