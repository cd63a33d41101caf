// Raw bytes >= 0x80 in request targets are percent-encoded before Node's strict parser; nothing else changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestTargetEncoder } from '../../../../electron/core/capture/request-target-bytes';

/** Feeds `chunks` (UTF-8) through one encoder; returns what the parser gets (latin1, byte per char) and the state. */
function run(chunks: (string | Buffer)[], flush = false): { out: string; state: string } {
  const encoder = new RequestTargetEncoder(64 * 1024);
  let out = chunks.map((c) => encoder.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c).toString('latin1')).join('');
  if (flush) out += encoder.flush().toString('latin1');
  return { out, state: encoder.state };
}

test('bytes >= 0x80 in the target are percent-encoded (uppercase hex); the rest of the request is as sent', () => {
  assert.deepEqual(run(['GET http://a.test/café?q=ñ HTTP/1.1\r\nHost: a.test\r\nX-Name: é\r\n\r\n']), {
    out: 'GET http://a.test/caf%C3%A9?q=%C3%B1 HTTP/1.1\r\nHost: a.test\r\nX-Name: \xc3\xa9\r\n\r\n',
    state: 'line',
  });
});

test('a request line split over chunks is held until whole', () => {
  const encoder = new RequestTargetEncoder(1024);
  assert.equal(encoder.push(Buffer.from('GET /caf', 'utf8')).length, 0);
  assert.equal(encoder.push(Buffer.from([0xc3])).length, 0);
  assert.equal(encoder.push(Buffer.from([0xa9, 0x20])).length, 0);
  assert.equal(encoder.push(Buffer.from('HTTP/1.1\r\n\r\n')).toString('latin1'), 'GET /caf%C3%A9 HTTP/1.1\r\n\r\n');
});

test('a Content-Length body that looks like a request line is left alone; the next request is encoded', () => {
  const body = 'ü\r\nGET /ü HTTP/1.1\r\n';
  const length = Buffer.byteLength(body);
  assert.deepEqual(run([`POST /a HTTP/1.1\r\nContent-Length: ${length}\r\n\r\n${body}GET /ü HTTP/1.1\r\n\r\n`]), {
    out: `POST /a HTTP/1.1\r\nContent-Length: ${length}\r\n\r\n${Buffer.from(body, 'utf8').toString('latin1')}GET /%C3%BC HTTP/1.1\r\n\r\n`,
    state: 'line',
  });
});

test('what it does not follow turns it off, and the bytes pass as they came', () => {
  const off = (input: string) => run([input, 'GET /é HTTP/1.1\r\n\r\n']);
  const raw = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  for (const head of [
    'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n',
    'POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
    'CONNECT a.test:443 HTTP/1.1\r\n\r\n',
    'PRI * HTTP/2.0\r\n\r\n',
  ]) {
    assert.deepEqual(off(head), { out: raw(head + 'GET /é HTTP/1.1\r\n\r\n'), state: 'off' }, head);
  }
  // Binary (a TLS record, random bytes): off at the first control byte, nothing held back.
  assert.deepEqual(run([Buffer.from([0x16, 0x03, 0x01, 0xc3])]), { out: '\x16\x03\x01\xc3', state: 'off' });
});

test('a bare-LF request line is not completed (the parser refuses it); bytes held at the end are flushed', () => {
  assert.deepEqual(run(['GET /é HTTP/1.1\nHost: a\n\n']), { out: 'GET /%C3%A9 HTTP/1.1\nHost: a\n\n', state: 'line' });
  assert.deepEqual(run(['GET /é HT'], true), { out: raw('GET /é HT'), state: 'off' });
});

function raw(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
