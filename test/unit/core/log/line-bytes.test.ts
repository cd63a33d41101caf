/**
 * The byte path of `--log-bodies` lines (line-bytes.ts, json-bytes.ts, body-text.ts asBytes) against the
 * string path it replaces: over many generated bodies — ASCII, JSON with quotes and secrets, UTF-8 cut
 * anywhere inside a character, invalid UTF-8, control bytes, byte-order marks, binary — under every content
 * type the string path tells apart, masked and not, the whole line's bytes must be the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BodyRef } from '../../../../electron/common/flow';
import { loggedBody } from '../../../../electron/core/log/body-text';
import { ByteArena } from '../../../../electron/core/log/byte-arena';
import { toDetailedLogLine } from '../../../../electron/core/log/detailed-line';
import { detailedLineBytes } from '../../../../electron/core/log/line-bytes';
import { makeFlow } from '../../../helpers/flows';

/** A small deterministic generator (xorshift), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const PIECES = ['a', 'Z', ' ', '"', '\\', '\n', '\t', '\r', '\b', '\f', '\u0000', '\u0001', '\u001f', '\u007f', 'é', 'Zoë', '日本', '😀', '\u2028', '\ufeff', '\ufffd', '{"k":', '"password":"p"', '"Token":1', 'pAsS', 'api', '%70ass', '&', '=', '[', '}', ',', '&%70ass=1&', '{"\\u0070assword":"x"}'];

function textBody(rand: () => number, length: number): Buffer {
  let s = '';
  while (s.length < length) s += PIECES[Math.floor(rand() * PIECES.length)];
  return Buffer.from(s);
}

function body(rand: () => number, seed: number): Buffer {
  const length = Math.floor(rand() * 3000);
  switch (seed % 8) {
    case 0:
      return Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(100).slice(0, length));
    case 1:
      return Buffer.from(JSON.stringify({ user: { name: 'ann "the" \\ one', n: seed, list: [1, 2, 'x'] }, note: 'line\nbreak' }));
    case 2:
      return Buffer.from(JSON.stringify({ token: 'abc', nested: { apiKey: 'k', keep: 'v' } }));
    case 3: {
      // Random bytes: invalid UTF-8, control bytes, binary.
      const b = Buffer.alloc(length);
      for (let i = 0; i < length; i++) b[i] = Math.floor(rand() * 256);
      return b;
    }
    case 4: {
      // Valid text with one byte broken somewhere.
      const b = textBody(rand, length + 1);
      b[Math.floor(rand() * b.length)] = [0x80, 0xc0, 0xe2, 0xf5, 0xff][Math.floor(rand() * 5)];
      return b;
    }
    case 5:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), textBody(rand, length)]);
    default:
      return textBody(rand, length);
  }
}

/** A body in the chunks a socket might have given it in: split at up to two places anywhere, a character too. */
function split(bytes: Buffer): Buffer[] {
  const a = Math.floor(bytes.length / 3);
  const b = Math.floor((bytes.length * 2) / 3) + 1;
  return [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].filter((c) => c.length > 0);
}

const TYPES = [undefined, '', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'image/png', 'application/vnd.api+json'];

async function bothLines(request: Buffer, requestType: string | undefined, response: Buffer, responseType: string | undefined, limit: number, mask: boolean, arena: ByteArena): Promise<{ bytes: Buffer; text: Buffer }> {
  const ref = (bytes: Buffer, contentType: string | undefined, name: string): BodyRef => ({ size: bytes.length, storedSize: bytes.length, truncated: false, ...(contentType === undefined ? {} : { contentType }), blob: name });
  const stored = new Map([['req', request], ['res', response]]);
  const read = async (r: BodyRef) => Buffer.from(stored.get(r.blob!)!);
  const flow = makeFlow({ response: { status: 200, statusText: 'OK', headers: [['Content-Type', responseType ?? '']], body: ref(response, responseType, 'res') } });
  flow.request.body = ref(request, requestType, 'req');
  flow.request.method = 'POST';
  const strings = { request: await loggedBody(flow.request.body, read, limit, mask), response: await loggedBody(flow.response!.body, read, limit, mask) };
  const asBytes = { request: await loggedBody(flow.request.body, read, limit, mask, {}), response: await loggedBody(flow.response!.body, read, limit, mask, { take: (r, max) => split(stored.get(r.blob!)!.subarray(0, max)) }) };
  const bytes = Buffer.concat(detailedLineBytes(flow, asBytes, mask, arena));
  arena.release(undefined);
  return { bytes, text: Buffer.from(`${JSON.stringify(toDetailedLogLine(flow, strings, mask))}\n`) };
}

test('the byte path writes the very bytes of the string path, over 3,000 generated bodies and limits that cut anywhere', async () => {
  // A small arena, so lines also cross blocks and some escaped bodies do not fit one.
  const arena = new ByteArena(16 * 1024);
  const differing: string[] = [];
  for (let seed = 1; seed <= 3000; seed++) {
    const rand = random(seed);
    const request = body(rand, seed);
    const response = body(rand, seed + 3);
    const limit = 1 + Math.floor(rand() * 3000);
    const types = [TYPES[seed % TYPES.length], TYPES[Math.floor(rand() * TYPES.length)]];
    const mask = seed % 3 !== 0;
    const { bytes, text } = await bothLines(request, types[0], response, types[1], limit, mask, arena);
    if (!bytes.equals(text)) differing.push(`seed ${seed}: ${text.toString('latin1').slice(0, 200)}`);
  }
  assert.deepEqual(differing, []);
});

test('a multi-byte character cut at every offset, declared text or not, with and without masking', async () => {
  const arena = new ByteArena();
  const differing: string[] = [];
  const text = Buffer.from('ab"c\\dé日😀\ufffd\ufffd€x\ufeffz');
  for (let limit = 1; limit <= text.length; limit++) {
    for (const type of ['text/plain', 'application/json', undefined, 'application/octet-stream']) {
      for (const mask of [true, false]) {
        const lines = await bothLines(text, type, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]), type, limit, mask, arena);
        if (!lines.bytes.equals(lines.text)) differing.push(`limit ${limit} ${type} ${mask}: ${lines.text.toString()}`);
      }
    }
  }
  assert.deepEqual(differing, []);
});
