// Bare-LF response heads get their CR before Node's strict parser reads them; bodies are never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadLineEnds } from '../../../../electron/core/capture/bare-lf-heads';

/** Feeds `chunks` through one HeadLineEnds; returns what the parser would get and whether the head ended. */
function run(chunks: string[]): { out: string; done: boolean } {
  const heads = new HeadLineEnds(64 * 1024);
  const out = chunks.map((c) => heads.push(Buffer.from(c, 'latin1')).toString('latin1')).join('');
  return { out, done: heads.done };
}

test('a bare-LF head gets CRLF line ends; the body after it is left as it came', () => {
  assert.deepEqual(run(['HTTP/1.1 200 OK\nContent-Length: 4\n\na\nb\n']), { out: 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\na\nb\n', done: true });
});

test('a CRLF head passes unchanged (the same bytes), mixed line ends are completed', () => {
  assert.deepEqual(run(['HTTP/1.1 204 No Content\r\nX: y\r\n\r\n']), { out: 'HTTP/1.1 204 No Content\r\nX: y\r\n\r\n', done: true });
  assert.deepEqual(run(['HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\n\n']), { out: 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n', done: true });
});

test('a CR at the end of one chunk and its LF at the start of the next is a CRLF; heads split anywhere', () => {
  assert.deepEqual(run(['HTTP/1.1 200 OK\r', '\nA: 1\n', '\nbody\n']), { out: 'HTTP/1.1 200 OK\r\nA: 1\r\n\r\nbody\n', done: true });
  const whole = 'HTTP/1.1 200 OK\nA: 1\n\nx\n';
  assert.deepEqual(run(whole.split('')), { out: 'HTTP/1.1 200 OK\r\nA: 1\r\n\r\nx\n', done: true });
});

test('interim 1xx heads are followed by the final head; 101 is final', () => {
  assert.deepEqual(run(['HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </a>\n\nHTTP/1.1 200 OK\n\nz\n']), {
    out: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n\r\nz\n',
    done: true,
  });
  assert.deepEqual(run(['HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n\n\x81\n']), {
    out: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\n\x81\n',
    done: true,
  });
});

test('a bare CR is left for the parser to refuse; an unfinished head is not done', () => {
  assert.deepEqual(run(['HTTP/1.1 200 OK\rA: 1\n']), { out: 'HTTP/1.1 200 OK\rA: 1\r\n', done: false });
});

test('past the size limit it stops looking (the parser refuses the oversized head itself)', () => {
  const heads = new HeadLineEnds(10);
  heads.push(Buffer.from('HTTP/1.1 200 OK\nA: 1\n'));
  assert.equal(heads.done, true);
  assert.equal(heads.push(Buffer.from('B: 2\n\n')).toString(), 'B: 2\n\n');
});
