// Where a request refused for raw UTF-8 in its target starts in the chunk the parser was reading, if it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNAMBIGUOUS_METHODS, refusedRequestStart } from '../../../../electron/core/capture/raw-utf8-recovery';

/** The start found in `text` (UTF-8) when the parser stopped at its first byte >= 0x80. */
function startIn(text: string): number | undefined {
  const raw = Buffer.from(text, 'utf8');
  return refusedRequestStart(raw, raw.findIndex((byte) => byte >= 0x80));
}

test('methods taken: none ends another method or with one (LOCK/UNLOCK, PATCH/PROPPATCH, SEARCH/M-SEARCH are out)', () => {
  assert.deepEqual(UNAMBIGUOUS_METHODS, [
    'ACL', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL',
    'MOVE', 'NOTIFY', 'OPTIONS', 'POST', 'PROPFIND', 'PURGE', 'PUT', 'QUERY', 'REPORT', 'SOURCE', 'TRACE',
  ]);
});

test('the start: after an earlier request, after a body that ends without a line end, or none', () => {
  assert.deepEqual(
    {
      first: startIn('GET /café HTTP/1.1\r\n'),
      afterRequest: startIn('GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /é HTTP/1.1\r\n'),
      afterBody: startIn('bodyGET /é HTTP/1.1\r\n'),
      targetBegunEarlier: startIn('fé HTTP/1.1\r\n'),
      methodBegunEarlier: startIn(' /é HTTP/1.1\r\n'),
      ambiguousMethod: startIn('PATCH /é HTTP/1.1\r\n'),
      notAMethod: startIn('FETCH /é HTTP/1.1\r\n'),
    },
    { first: 0, afterRequest: 28, afterBody: 4, targetBegunEarlier: undefined, methodBegunEarlier: undefined, ambiguousMethod: undefined, notAMethod: undefined },
  );
});

test('a parser stop that is not at a byte >= 0x80, or outside the chunk, is not taken', () => {
  const raw = Buffer.from('GET /a b HTTP/1.1\r\n');
  assert.deepEqual([refusedRequestStart(raw, 6), refusedRequestStart(raw, -1), refusedRequestStart(raw, raw.length)], [undefined, undefined, undefined]);
});
