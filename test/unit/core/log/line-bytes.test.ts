/**
 * The --log-file form of a `--log-bodies` line (Buffer chunks, ASCII bodies as their captured bytes) must be
 * the same bytes as the stdout form (JSON.stringify of the line), whatever the bodies hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyOfBytes, bodyText } from '../../../../electron/core/log/body-text';
import { toDetailedLogLine } from '../../../../electron/core/log/detailed-line';
import { detailedLineChunks } from '../../../../electron/core/log/line-bytes';
import type { BodyRef } from '../../../../electron/common/flow';
import { makeFlow } from '../../../helpers/flows';

const LIMIT = 16;
const ref = (bytes: Buffer, contentType?: string): BodyRef => ({ size: bytes.length, storedSize: bytes.length, truncated: false, blob: 'b', ...(contentType ? { contentType } : {}) });

/** [name, bytes, content type, expected text (or base64) and encoding] */
const CASES: [string, Buffer, string | undefined, { text: string | null; encoding: string; plain: boolean }][] = [
  ['ascii, nothing to escape', Buffer.from('abc 123 ~\x7f'), 'application/octet-stream', { text: 'abc 123 ~\x7f', encoding: 'text', plain: true }],
  ['ascii past the limit', Buffer.from('0123456789abcdefXYZ'), 'text/plain', { text: '0123456789abcdef', encoding: 'text', plain: true }],
  ['quotes and backslashes', Buffer.from('say "hi" \\ bye'), 'text/plain', { text: 'say "hi" \\ bye', encoding: 'text', plain: false }],
  ['newlines and tabs', Buffer.from('a\tb\r\nc'), 'application/octet-stream', { text: 'a\tb\r\nc', encoding: 'text', plain: false }],
  ['control bytes, undeclared', Buffer.from('a\x01b'), 'application/octet-stream', { text: Buffer.from('a\x01b').toString('base64'), encoding: 'base64', plain: false }],
  ['control bytes, declared text', Buffer.from('a\x01b'), 'text/plain', { text: 'a\x01b', encoding: 'text', plain: false }],
  ['utf-8', Buffer.from('Zoë — ok'), 'text/plain; charset=utf-8', { text: 'Zoë — ok', encoding: 'text', plain: false }],
  ['binary', Buffer.from([0, 0xff, 0x89, 0x50]), 'image/png', { text: Buffer.from([0, 0xff, 0x89, 0x50]).toString('base64'), encoding: 'base64', plain: false }],
  ['json with a secret', Buffer.from('{"password":"x"}'), 'application/json', { text: '{"password":"***"}', encoding: 'text', plain: false }],
  ['json key spelled with \\u escapes', Buffer.from('{"p\\u0061ss":1}'), 'application/json', { text: '{"pass":"***"}', encoding: 'text', plain: false }],
  ['json without secrets', Buffer.from('{"a":[1,2]}'), 'application/json', { text: '{"a":[1,2]}', encoding: 'text', plain: false }],
  ['form with a token', Buffer.from('token=abc&x=1'), 'application/x-www-form-urlencoded', { text: 'token=***&x=1', encoding: 'text', plain: false }],
  ['untyped json-like', Buffer.from('{"token":"t"}'), undefined, { text: '{"token":"***"}', encoding: 'text', plain: false }],
];

test('bodies are classified as before: plain ASCII bytes, escaped text, masked JSON and forms, base64', () => {
  const got = CASES.map(([name, bytes, type]) => {
    const body = bodyOfBytes(ref(bytes, type), bytes, LIMIT, true);
    return [name, { text: bodyText(body), encoding: body.encoding, plain: !!body.plain }];
  });
  assert.deepEqual(got, CASES.map(([name, , , expected]) => [name, expected]));
});

test('the chunks of a line are the bytes of JSON.stringify(line) + newline, for every kind of body, small and large (spliced in), and both mask settings', () => {
  const flow = makeFlow({ response: { status: 200, headers: [['requestBody', 'null'], ['Content-Type', 'text/plain']], body: ref(Buffer.alloc(3)) } } as Parameters<typeof makeFlow>[0]);
  // Names and values that look like the fields the chunks are cut at.
  flow.request.url = 'http://a.test/"requestBody":null,"responseBody":null?x="responseBody":null';
  flow.request.headers.push(['responseBody', '"requestBody":null']);
  const mismatches: string[] = [];
  // Large: each case's bytes 500 times over (past the 4 KB from which plain bodies are spliced in as bytes).
  const sizes = [{ times: 1, limit: LIMIT }, { times: 500, limit: 64 * 1024 }];
  let spliced = 0;
  for (const mask of [true, false]) {
    for (const { times, limit } of sizes) {
      const body = (bytes: Buffer, type: string | undefined) => {
        const all = Buffer.concat(Array<Buffer>(times).fill(bytes));
        return bodyOfBytes(ref(all, type), all, limit, mask);
      };
      for (const [reqName, reqBytes, reqType] of CASES) {
        for (const [resName, resBytes, resType] of CASES) {
          const bodies = { request: body(reqBytes, reqType), response: body(resBytes, resType) };
          const expected = `${JSON.stringify(toDetailedLogLine(flow, bodies, mask))}\n`;
          const chunks = detailedLineChunks(flow, bodies, mask);
          if (chunks.length > 1) spliced++;
          if (Buffer.concat(chunks).toString() !== expected) mismatches.push(`${reqName} / ${resName} ×${times}, mask ${mask}`);
        }
      }
    }
  }
  // Spliced: every large pair with a plain body on either side: 2 plain cases of 13 when masking, 3 without
  // (the form body is not masked then).
  assert.deepEqual({ mismatches, spliced }, { mismatches: [], spliced: 13 * 13 - 11 * 11 + (13 * 13 - 10 * 10) });
});
