import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { explainRule } from '../../../../electron/common/rule-explain';
import { validateRule } from '../../../../electron/common/rule-validate';
import { editHeaders, editQuery, replaceInBody } from '../../../../electron/core/rules/rewrite';

describe('rewrite edits', () => {
  it('edits headers in order, keeping case and the other fields', () => {
    assert.deepEqual(
      editHeaders(
        [
          ['Host', 'a.test'],
          ['Cookie', 'a=1'],
          ['X-Env', 'prod'],
          ['cookie', 'b=2'],
        ],
        [
          { op: 'remove', name: 'COOKIE' },
          { op: 'set', name: 'x-env', value: 'qa' },
          { op: 'add', name: 'X-New', value: '1' },
          { op: 'set', name: 'X-Missing', value: '2' },
        ],
      ),
      [
        ['Host', 'a.test'],
        ['X-Env', 'qa'],
        ['X-New', '1'],
        ['X-Missing', '2'],
      ],
    );
  });

  it('edits the query by decoded name, leaving the rest as written', () => {
    const edits = [
      { op: 'set' as const, name: 'a b', value: 'x' },
      { op: 'remove' as const, name: 'gone' },
      { op: 'add' as const, name: 'new', value: '1/2' },
    ];
    assert.deepEqual(
      [editQuery('http://h.test/p?keep=%2F&a+b=1&gone=1&gone=2#frag', edits), editQuery('http://h.test/p', edits), editQuery('http://h.test/p?gone=1', [{ op: 'remove', name: 'gone' }])],
      ['http://h.test/p?keep=%2F&a%20b=x&new=1%2F2', 'http://h.test/p?a%20b=x&new=1%2F2', 'http://h.test/p'],
    );
  });

  it('replaces in text bodies (gzip, deflate, br decoded), never in binary ones or unknown encodings', () => {
    const edits = [{ find: 'world', replace: 'there', syntax: 'text' as const }];
    const json = '{"hello":"world"}';
    const out = (body: Buffer, encoding?: string) => replaceInBody(body, encoding ? [['Content-Encoding', encoding]] : [], edits)?.toString();
    assert.deepEqual(
      [out(Buffer.from(json)), out(zlib.gzipSync(json), 'gzip'), out(zlib.deflateSync(json), 'deflate'), out(zlib.brotliCompressSync(json), 'br'), out(Buffer.from([0xff, 0xfe, 0x77, 0x6f])), out(Buffer.from(json), 'zstd'), out(Buffer.from('no match'))],
      ['{"hello":"there"}', '{"hello":"there"}', '{"hello":"there"}', '{"hello":"there"}', undefined, undefined, undefined],
    );
  });

  it('is validated on save, naming the field, and explained in one line', () => {
    const bad = validateRule({ id: 'r', name: 'n', action: { type: 'rewrite', requestHeaders: [{ op: 'put', name: 'bad name', value: 'x\ny' }], status: 700, requestBody: [{ find: '', syntax: 'glob' }] } });
    assert.deepEqual(bad, {
      ok: false,
      errors: [
        { field: 'action.requestHeaders[0].op', message: 'must be one of "add", "set", "remove", not "put"' },
        { field: 'action.requestHeaders[0].name', message: '"bad name" is not a valid header name' },
        { field: 'action.requestHeaders[0].value', message: 'a header value must not contain line breaks' },
        { field: 'action.requestBody[0].syntax', message: 'must be "text" or "regex", not "glob"' },
        { field: 'action.requestBody[0].find', message: 'must not be empty' },
        { field: 'action.status', message: 'must be a whole number from 100 to 599 (an HTTP status), not 700' },
      ],
    });
    assert.deepEqual(validateRule({ id: 'r', name: 'n', action: { type: 'rewrite' } }), { ok: false, errors: [{ field: 'action', message: 'must change something: headers, query, a body or the status' }] });
    const good = validateRule({
      id: 'r',
      name: 'n',
      matchers: [{ type: 'host', host: 'api.test' }],
      action: { type: 'rewrite', requestHeaders: [{ op: 'remove', name: 'Cookie' }], query: [{ op: 'set', name: 'debug', value: '1' }], status: 503, responseBody: [{ find: 'v\\d+', replace: 'v0', syntax: 'regex', flags: 'i' }] },
    });
    assert.ok(good.ok);
    assert.equal(explainRule(good.rule), 'Modify api.test for every client (request headers: remove Cookie; query: set debug; status 503; response body: replace /v\\d+/)');
  });
});
