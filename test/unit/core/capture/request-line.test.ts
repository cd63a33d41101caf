import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { firstRequestLine, MAX_REQUEST_LINE, noteFirstChunk, requestLineOf, requestParsed } from '../../../../electron/core/capture/request-line';

describe('the request line of a first chunk', () => {
  it('reads method, target and version from the start of the bytes, and nothing from bytes that are no request line', () => {
    const long = `/${'a'.repeat(5_000)}`;
    assert.deepStrictEqual(
      [
        Buffer.from('GET http://origin.test:8080/echo?q=1 HTTP/1.1\r\nHost: origin.test\r\n'),
        Buffer.from('POST /upload HTTP/1.0\r\n'),
        Buffer.from('GET /caf\u00e9 HTTP/1.1\r\n'),
        // A line longer than the chunk, or than what is kept of it: its start.
        Buffer.from(`GET ${long} HTTP/1.1\r\n`),
        Buffer.from('GET /half-a-li'),
        Buffer.from('X-Big: bbbbbbbb\r\n\r\n'),
        Buffer.from('\x16\x03\x01 not http at all\r\n'),
        Buffer.alloc(0),
      ].map(requestLineOf),
      [
        { method: 'GET', target: 'http://origin.test:8080/echo?q=1', version: '1.1' },
        { method: 'POST', target: '/upload', version: '1.0' },
        { method: 'GET', target: '/caf\u00e9', version: '1.1' },
        { method: 'GET', target: `GET ${long}`.slice(4, MAX_REQUEST_LINE) },
        { method: 'GET', target: '/half-a-li' },
        undefined,
        undefined,
        undefined,
      ],
    );
  });

  it('stands for the connection until a request is parsed on it', () => {
    const socket = new PassThrough();
    const other = new PassThrough();
    noteFirstChunk(socket, Buffer.from('PUT /a HTTP/1.1\r\nHost: h\r\n'));
    noteFirstChunk(other, Buffer.from('{"json": true}\r\n'));
    const before = firstRequestLine(socket);
    requestParsed(socket);
    assert.deepStrictEqual({ before, after: firstRequestLine(socket), other: firstRequestLine(other) }, { before: { method: 'PUT', target: '/a', version: '1.1' }, after: undefined, other: undefined });
  });
});
