// The SSE reader dispatches the same events however the stream is cut (CRLF split across chunks, a UTF-8
// character split across chunks), follows the standard's field rules, and keeps no more data than its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, type SseEvent } from '../../../../electron/core/capture/sse';

function parse(chunks: Buffer[], limit = 1_000_000): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e), () => limit);
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}

const stream = Buffer.from(
  ': a comment\r\n' +
    'id: 1\r\nevent: greeting\r\ndata: héllo\r\ndata:  two spaces\r\nretry: 3000\r\n\r\n' +
    'data\n\n' + // a field with no colon: empty data, still an event
    'id: x\0y\rdata: nul ignored\r\r' +
    'event: only-type\n\n' + // no data: not dispatched
    'retry: soon\ndata: {"a":1}\n\n' +
    'data: no blank line at the end',
);
const expected: SseEvent[] = [
  { data: 'héllo\n two spaces', size: Buffer.byteLength('héllo\n two spaces'), truncated: false, type: 'greeting', id: '1', retry: 3000 },
  { data: '', size: 0, truncated: false },
  { data: 'nul ignored', size: 11, truncated: false },
  { data: '{"a":1}', size: 7, truncated: false },
];

test('events by the standard: comments, multi-line data, id without NUL, retry digits only, no dispatch without data', () => {
  assert.deepEqual(parse([stream]), expected);
});

test('the same events when the stream arrives byte by byte (CRLF and UTF-8 split across chunks)', () => {
  assert.deepEqual(parse([...stream].map((b) => Buffer.from([b]))), expected);
});

test('data past the limit is counted, not kept, and the event is marked truncated', () => {
  assert.deepEqual(parse([Buffer.from('data: 0123456789\ndata: abc\n\n')], 5), [{ data: '01234', size: 14, truncated: true }]);
});
