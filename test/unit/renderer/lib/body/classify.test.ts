import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64ToBytes, charsetOf, classifyBody } from '../../../../../renderer/src/lib/body/classify';
import { hexLine, hexLineCount } from '../../../../../renderer/src/lib/body/hex';

const bytes = (s: string) => new TextEncoder().encode(s);

test('bodies are classified by media type, then by their bytes', () => {
  assert.deepEqual(
    [
      classifyBody('application/json; charset=utf-8', bytes('{"a":1}')),
      classifyBody('application/vnd.api+json', bytes('[]')),
      classifyBody('text/plain', bytes('{"a":[1,2]}')),
      classifyBody(undefined, bytes('<!DOCTYPE html><p>')),
      classifyBody('image/svg+xml', bytes('<svg/>')),
      classifyBody('image/png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0])),
      classifyBody('application/json', new Uint8Array([0, 1, 2, 3])),
      classifyBody('application/octet-stream', bytes('plain words')),
      classifyBody('application/x-www-form-urlencoded', bytes('a=1&b=2')),
      classifyBody('text/css', bytes('a{}')),
      classifyBody('text/plain', new Uint8Array([0xff, 0xfe, 0x00, 0x41])),
    ],
    ['json', 'json', 'json', 'html', 'xml', 'image', 'binary', 'text', 'form', 'css', 'binary'],
  );
});

test('charsets the browser knows are used; anything else falls back to UTF-8', () => {
  assert.deepEqual([charsetOf('text/html; charset=ISO-8859-1'), charsetOf('text/plain; charset="nope-8"'), charsetOf(undefined)], ['ISO-8859-1', 'utf-8', 'utf-8']);
});

test('hex lines show offset, two groups of eight bytes and printable ASCII', () => {
  const data = base64ToBytes(Buffer.from('Hello, hex view!\x00\x01\xff', 'latin1').toString('base64'));
  assert.deepEqual([hexLineCount(data.length), hexLine(data, 0), hexLine(data, 1)], [
    2,
    { offset: '00000000', hex: '48 65 6c 6c 6f 2c 20 68  65 78 20 76 69 65 77 21', ascii: 'Hello, hex view!' },
    { offset: '00000010', hex: '00 01 ff', ascii: '···' },
  ]);
});
