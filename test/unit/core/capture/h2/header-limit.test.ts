// The request header limit for HTTP/2 clients: fields measured as an HTTP/1.1 head would take them, the largest
// named, and Node's field count set past ours so that an oversized request reaches JavaScript for its 431.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { h2FrontLimits, headersOverLimit, oversizedHeadersMessage } from '../../../../../electron/core/capture/h2/header-limit';

const request = (big: number) => [':method', 'GET', ':path', '/x', ':scheme', 'https', ':authority', 'api.test', 'x-big', 'b'.repeat(big), 'accept', '*/*'];

test('fields as an HTTP/1.1 head takes them ("name: value" CRLF each, a final CRLF); over the limit, the largest named', () => {
  // 2 + :method (14) + :path (11) + :scheme (16) + :authority (22) + accept (13) = 78, plus x-big (9 + its value).
  const over = headersOverLimit(request(1000), 1000);
  assert.deepEqual(
    { within: headersOverLimit(request(1000), 1087), over, message: over && oversizedHeadersMessage(over, 1000), kb: oversizedHeadersMessage({ size: 70_000, largest: { name: 'cookie', size: 69_000 } }, 64 * 1024) },
    {
      within: undefined,
      over: { size: 1087, largest: { name: 'x-big', size: 1009 } },
      message: "the request's headers are 1087 bytes (x-big: 1009 of them), larger than the 1000 bytes limit (raise it with --max-header-size); Hindsight answered 431",
      kb: "the request's headers are 70000 bytes (cookie: 69000 of them), larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431",
    },
  );
});

test("Node's field count sits past ours: every list within the byte limit has room (5 bytes a field at least)", () => {
  assert.deepEqual(
    [h2FrontLimits(64 * 1024), h2FrontLimits(256 * 1024), h2FrontLimits(100)],
    [{ maxHeaderListPairs: 13_109 }, { maxHeaderListPairs: 52_430 }, { maxHeaderListPairs: 128 }],
  );
});
