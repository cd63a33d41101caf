// Header translation between HTTP/1.1 and HTTP/2 (RFC 9113 §8): what each direction keeps, drops and joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { h1RequestToH2, h1ResponseToH2, h2RequestToH1, objectToRaw, splitPseudo } from '../../../../../electron/core/capture/h2/translate';

test('an h2 request as HTTP/1.1 fields: Host from :authority first, pseudo-headers out, cookies joined', () => {
  const raw = [':method', 'GET', ':authority', 'api.test:8443', ':scheme', 'https', ':path', '/x', 'cookie', 'a=1', 'accept', '*/*', 'cookie', 'b=2', 'te', 'trailers'];
  assert.deepEqual(
    { h1: h2RequestToH1(raw), split: splitPseudo(raw) },
    {
      h1: ['host', 'api.test:8443', 'accept', '*/*', 'te', 'trailers', 'cookie', 'a=1; b=2'],
      split: {
        pseudo: [[':method', 'GET'], [':authority', 'api.test:8443'], [':scheme', 'https'], [':path', '/x']],
        fields: [['cookie', 'a=1'], ['accept', '*/*'], ['cookie', 'b=2'], ['te', 'trailers']],
      },
    },
  );
});

test('HTTP/1.1 fields as an h2 request: Host becomes :authority, connection-specific fields and te other than trailers go', () => {
  const raw = ['Host', 'api.test', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'TE', 'gzip', 'X-Dup', 'one', 'x-dup', 'two', 'Content-Type', 'application/grpc'];
  assert.deepEqual(h1RequestToH2(raw, 'POST', '/svc/M', 'https', 'fallback:443'), {
    ':method': 'POST',
    ':scheme': 'https',
    ':path': '/svc/M',
    ':authority': 'api.test',
    'x-dup': ['one', 'two'],
    'content-type': 'application/grpc',
  });
  assert.deepEqual(h1RequestToH2(['TE', 'trailers'], 'GET', '/', 'http', 'h.test:80'), { ':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'h.test:80', te: 'trailers' });
});

test('response fields for an h2 client lose what h2 forbids; Node header objects back to a raw list', () => {
  assert.deepEqual(h1ResponseToH2(['Content-Type', 'text/plain', 'Connection', 'close', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']), {
    'content-type': 'text/plain',
    'set-cookie': ['a=1', 'b=2'],
  });
  assert.deepEqual(objectToRaw({ ':status': 200, 'content-type': 'x', 'set-cookie': ['a', 'b'], 'content-length': 3 }), ['content-type', 'x', 'set-cookie', 'a', 'set-cookie', 'b', 'content-length', '3']);
});
