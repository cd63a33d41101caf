import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSummary, type FlowSummary } from '../../../../electron/common/flow';
import { decodeSummary, encodeSummary, recordId, releaseTexts } from '../../../../electron/core/store/summary-codec';
import { StringTable } from '../../../../electron/core/store/string-table';
import { makeFlow } from '../../../helpers/flows';

/** Encodes into a fresh buffer with room for exactly what was reserved; returns the bytes and the reservation. */
function roundTrip(s: FlowSummary, table = new StringTable()) {
  let reserved = 0;
  let buf = Buffer.alloc(0);
  const length = encodeSummary(s, table, (bytes) => {
    reserved = bytes;
    buf = Buffer.alloc(bytes + 8, 0xee);
    return { buf, pos: 8 };
  });
  return { decoded: decodeSummary(buf, 8, s.seq, s.startedAt, table), id: recordId(buf, 8), length, reserved, buf, table };
}

test('a captured flow\'s summary decodes deep-equal, with only what it has', () => {
  const s = toSummary(makeFlow({ id: 'Ab3xYz09QrSt', response: true, request: { method: 'POST', url: 'https://api.example.test:8443/v1/items?q=1', httpVersion: '1.1', headers: [['User-Agent', 'MyApp/2.7 (iPhone)'], ['X-App-Version', '2.7.1']], body: { size: 12, storedSize: 12, truncated: false } } }));
  const { decoded, id, length, reserved } = roundTrip(s);
  assert.deepEqual({ decoded, keys: Object.keys(decoded).sort(), id, fits: length <= reserved }, { decoded: s, keys: Object.keys(s).sort(), id: 'Ab3xYz09QrSt', fits: true });
});

test('every optional field, odd numbers and texts outside Latin-1 survive exactly', () => {
  const s: FlowSummary = {
    id: 'id-\u00e9-\u{1F600}',
    seq: 7,
    startedAt: 1_763_700_000_000.5,
    state: 'failed',
    clientIp: '::ffff:127.0.0.3',
    method: 'PR\u00d6PFIND',
    url: 'http://h\u00e9llo.test/\u30d1\u30b9?x=\ud800',
    host: 'h\u00e9llo.test',
    path: '/other-than-the-url-end',
    status: 599,
    contentType: 'application/grpc',
    requestSize: 2 ** 40 + 3,
    responseSize: 0,
    durationMs: 12.375,
    error: 'upstream: socket hang up \u2014 reset',
    appliedRuleKinds: ['mock', 'rewrite'],
    pinned: true,
    replayOf: 'origFlowId12',
    imported: false,
    websocket: true,
    userAgent: 'Mozilla/5.0 \u00fc',
    versionHeaders: [['X-Build', '2026.12'], ['X-Release', '\u03b2-3']],
    messageCount: 4_294_967_296,
    messageBytes: -1,
    node: 'node-b',
    grpc: true,
    grpcStatus: 14,
  };
  const { decoded, id, length, reserved } = roundTrip(s);
  assert.deepEqual({ decoded, id, fits: length <= reserved }, { decoded: s, id: s.id, fits: true });
  assert.equal(Object.is(roundTrip({ ...s, durationMs: -0 }).decoded.durationMs, -0), true);
});

test('a record holds its table texts until released', () => {
  const s = toSummary(makeFlow({ response: true }));
  const { buf, table } = roundTrip(s);
  const held = table.size;
  releaseTexts(buf, 8, table);
  // state, client address, method, host and content type.
  assert.deepEqual({ held, after: table.size }, { held: 5, after: 0 });
});
