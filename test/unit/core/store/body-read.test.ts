import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { decodeContent } from '../../../../electron/core/store/body-read';

const text = Buffer.from('Hindsight decodes bodies for display. '.repeat(200));

test('undoes gzip, x-gzip, deflate (zlib and raw), br and stacked codings', async () => {
  const cases: [string, Buffer][] = [
    ['gzip', zlib.gzipSync(text)],
    ['X-Gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
    ['identity', text],
  ];
  const out = await Promise.all(cases.map(([enc, bytes]) => decodeContent(bytes, enc).then((b) => b.equals(text))));
  assert.deepStrictEqual(out, cases.map(() => true));
});

test('a truncated body decodes as far as its bytes go', async () => {
  const big = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
  const gz = zlib.gzipSync(big);
  const br = zlib.brotliCompressSync(big);
  const partGz = await decodeContent(gz.subarray(0, Math.floor(gz.length / 2)), 'gzip', true);
  const partBr = await decodeContent(br.subarray(0, Math.floor(br.length / 2)), 'br', true);
  assert.deepStrictEqual(
    { gz: [partGz.length > 0, big.subarray(0, partGz.length).equals(partGz)], br: [partBr.length > 0, big.subarray(0, partBr.length).equals(partBr)] },
    { gz: [true, true], br: [true, true] },
  );
});

test('refuses what it cannot decode, with the reason', async () => {
  const reasons = await Promise.all(
    [
      decodeContent(Buffer.from('not gzip'), 'gzip'),
      decodeContent(Buffer.from('x'), 'zstd'),
      decodeContent(zlib.gzipSync(text).subarray(0, 40), 'gzip'),
    ].map((p) => p.then(() => 'decoded', (err: Error) => err.message)),
  );
  assert.deepStrictEqual(reasons, ['incorrect header check', "unsupported content-encoding 'zstd'", 'unexpected end of file']);
});
