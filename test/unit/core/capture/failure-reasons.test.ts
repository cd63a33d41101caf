// Failure text is one readable sentence: no OpenSSL source path, no newline, the raw code kept apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamFailure } from '../../../../electron/core/capture/failure';

const at = { host: 'api.test', port: 443, secure: true, connected: true, tlsDone: false, responding: false };
const error = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

test('a non-TLS answer on a TLS port: a sentence without the OpenSSL dump', () => {
  const dump = 'C0B7A1F0A77F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:\n';
  assert.deepEqual(upstreamFailure(error('ERR_SSL_WRONG_VERSION_NUMBER', dump), at), {
    phase: 'tls',
    message: 'TLS handshake with api.test:443 failed: the server answered without TLS (is the port plain HTTP?)',
    code: 'ERR_SSL_WRONG_VERSION_NUMBER',
    status: 502,
  });
  const other = upstreamFailure(error('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'C0B7:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1586:SSL alert number 40\n'), at);
  assert.deepEqual(other, { phase: 'tls', message: 'TLS handshake with api.test:443 failed (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: sslv3 alert handshake failure)', code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', status: 502 });
});

test('closes before a response: a clean close and a reset say different things', () => {
  const plain = { ...at, secure: false };
  assert.deepEqual(
    [upstreamFailure(error('ECONNRESET', 'socket hang up'), plain), upstreamFailure(error('ECONNRESET', 'read ECONNRESET', { syscall: 'read' }), plain), upstreamFailure(error('HPE_WEIRD', 'Parse Error: Something odd', { reason: 'Something odd' }), plain)],
    [
      { phase: 'upstream', message: 'api.test:443 closed the connection without answering', code: 'ECONNRESET', status: 502 },
      { phase: 'upstream', message: 'api.test:443 reset the connection before answering', code: 'ECONNRESET', status: 502 },
      { phase: 'upstream', message: 'api.test:443 sent a response Hindsight cannot parse (something odd)', code: 'HPE_WEIRD', status: 502 },
    ],
  );
});
