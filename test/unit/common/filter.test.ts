import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FilterError,
  compileFilter,
  formatFilterError,
  parseFilter,
  suggestFilter,
} from '../../../electron/common/filter';
import { toSummary, type FlowSummary } from '../../../electron/common/flow';
import { makeFlow } from '../../helpers/flows';

test('parseFilter builds plain trees: AND binds tighter than OR, - negates, parentheses group', () => {
  assert.deepEqual(parseFilter('host:*.example.com status:5xx or is:error -method:OPTIONS'), {
    type: 'or',
    start: 0,
    end: 57,
    children: [
      {
        type: 'and',
        start: 0,
        end: 29,
        children: [
          { type: 'term', key: 'host', op: ':', value: '*.example.com', start: 0, end: 18 },
          { type: 'term', key: 'status', op: ':', value: '5xx', start: 19, end: 29 },
        ],
      },
      {
        type: 'and',
        start: 33,
        end: 57,
        children: [
          { type: 'term', key: 'is', op: ':', value: 'error', start: 33, end: 41 },
          { type: 'not', start: 42, end: 57, child: { type: 'term', key: 'method', op: ':', value: 'OPTIONS', start: 43, end: 57 } },
        ],
      },
    ],
  });
  assert.deepEqual(parseFilter('-(host:a.test OR "b c") pinned'), {
    type: 'and',
    start: 0,
    end: 30,
    children: [
      {
        type: 'not',
        start: 0,
        end: 22,
        child: {
          type: 'or',
          start: 2,
          end: 22,
          children: [
            { type: 'term', key: 'host', op: ':', value: 'a.test', start: 2, end: 13 },
            { type: 'term', key: 'text', op: ':', value: 'b c', quoted: true, start: 17, end: 22 },
          ],
        },
      },
      { type: 'term', key: 'pinned', op: ':', value: '', start: 24, end: 30 },
    ],
  });
});

test('parseFilter reads values: IPv6, regex literals, quotes, comparisons, URL-looking words', () => {
  const one = (text: string) => parseFilter(text);
  assert.deepEqual(
    ['', '   ', 'ip:::1', 'url:/api\\/v[12]/i', 'path:/api/users', 'url:"/x/"', 'size>10kb', 'duration<=1.5s', 'localhost:8080', 'https://x.test/a', 'host:"a \\"b\\""', '(path:/a(b))', 'a and b'].map(one),
    [
      { type: 'all' },
      { type: 'all' },
      { type: 'term', key: 'ip', op: ':', value: '::1', start: 0, end: 6 },
      { type: 'term', key: 'url', op: ':', value: '/api\\/v[12]/i', regex: { source: 'api\\/v[12]', flags: 'i' }, start: 0, end: 17 },
      // "/api/users" is not a regex literal ("users" are not all flags): a wildcard path
      { type: 'term', key: 'path', op: ':', value: '/api/users', start: 0, end: 15 },
      // quoting keeps slashes literal
      { type: 'term', key: 'url', op: ':', value: '/x/', quoted: true, start: 0, end: 9 },
      { type: 'term', key: 'size', op: '>', value: '10kb', start: 0, end: 9 },
      { type: 'term', key: 'duration', op: '<=', value: '1.5s', start: 0, end: 14 },
      { type: 'term', key: 'text', op: ':', value: 'localhost:8080', start: 0, end: 14 },
      { type: 'term', key: 'text', op: ':', value: 'https://x.test/a', start: 0, end: 16 },
      { type: 'term', key: 'host', op: ':', value: 'a "b"', quoted: true, start: 0, end: 14 },
      { type: 'term', key: 'path', op: ':', value: '/a(b)', start: 1, end: 11 },
      {
        type: 'and',
        start: 0,
        end: 7,
        children: [
          { type: 'term', key: 'text', op: ':', value: 'a', start: 0, end: 1 },
          { type: 'term', key: 'text', op: ':', value: 'b', start: 6, end: 7 },
        ],
      },
    ],
  );
});

function errorOf(text: string): { start: number; end: number; token: string; message: string } | 'no error' {
  try {
    parseFilter(text);
    return 'no error';
  } catch (err) {
    assert.ok(err instanceof FilterError, `${text}: ${String(err)}`);
    return { start: err.start, end: err.end, token: err.token, message: err.message };
  }
}

test('errors name the problem and point at the bad token', () => {
  const texts = [
    'foo:bar',
    'status:200 hots:x',
    'ip:10.0.0.0/33',
    'ip:300.1.1.1',
    'url:/a(?=b)/',
    'url:/(/',
    'path:/(a)\\1/',
    'status:6xx',
    'status:abc',
    'status:499-400',
    'a or',
    'or a',
    'a or or b',
    'a "b',
    '(a',
    '()',
    'a )',
    '- a',
    'is:nope',
    'host:',
    'pinned:x',
    'host>3',
    'status>5xx',
    'size>abc',
    'url:/a/gg',
    '"a"b',
  ];
  assert.deepEqual(texts.map(errorOf), [
    {
      start: 0,
      end: 4,
      token: 'foo:',
      message:
        'unknown key "foo:"; keys are ip: host: url: path: method: status: type: id: is: pinned size: reqsize: duration: grpc: error: node: msg: (quote the word to search URLs for it) (at column 1)',
    },
    { start: 11, end: 16, token: 'hots:', message: 'unknown key "hots:"; did you mean "host:"? (quote the word to search URLs for it) (at column 12)' },
    { start: 3, end: 14, token: '10.0.0.0/33', message: 'ip: CIDR prefix /33 is longer than 32 bits for IPv4 (at column 4)' },
    { start: 3, end: 12, token: '300.1.1.1', message: 'ip: "300.1.1.1" is not an IPv4 or IPv6 address (at column 4)' },
    {
      start: 4,
      end: 12,
      token: '/a(?=b)/',
      message: 'bad regular expression: lookahead and lookbehind are not supported (patterns use RE2 syntax, which always matches in linear time) (at column 5)',
    },
    { start: 4, end: 7, token: '/(/', message: 'bad regular expression: missing closing ): `(` (at column 5)' },
    {
      start: 5,
      end: 12,
      token: '/(a)\\1/',
      message: 'bad regular expression: backreferences are not supported (patterns use RE2 syntax, which always matches in linear time) (at column 6)',
    },
    { start: 7, end: 10, token: '6xx', message: 'status: expects a status from 100 to 599, a class like 5xx, or a range like 400-499 (at column 8)' },
    { start: 7, end: 10, token: 'abc', message: 'status: expects a status from 100 to 599, a class like 5xx, or a range like 400-499 (at column 8)' },
    { start: 7, end: 14, token: '499-400', message: 'status: range 499-400 is empty (the first number is larger) (at column 8)' },
    { start: 2, end: 4, token: 'or', message: '"or" needs a term after it (at column 3)' },
    { start: 0, end: 2, token: 'or', message: '"or" needs a term before it (at column 1)' },
    { start: 2, end: 4, token: 'or', message: '"or" needs a term after it (at column 3)' },
    { start: 2, end: 4, token: '"b', message: 'unterminated quote: add the closing " (at column 3)' },
    { start: 0, end: 1, token: '(', message: 'unclosed "(": add the matching ")" (at column 1)' },
    { start: 1, end: 2, token: ')', message: 'empty group: put a term between the parentheses (at column 2)' },
    { start: 2, end: 3, token: ')', message: 'unmatched ")": no "(" opens it (at column 3)' },
    { start: 0, end: 1, token: '-', message: '"-" must be followed directly by a term or group, e.g. -host:cdn.test (at column 1)' },
    { start: 3, end: 7, token: 'nope', message: 'is:nope is unknown; use one of error, live, paused, replay, imported, mocked, mapped, ws, pinned, sse, grpc (at column 4)' },
    { start: 0, end: 5, token: 'host:', message: 'host: needs a value, e.g. host:*.example.com (at column 1)' },
    { start: 0, end: 7, token: 'pinned:', message: '"pinned" takes no value (at column 1)' },
    { start: 0, end: 5, token: 'host>', message: '"host" does not compare with >; write host: (at column 1)' },
    { start: 7, end: 10, token: '5xx', message: 'status> takes a number, not a class like 5xx (at column 8)' },
    { start: 5, end: 8, token: 'abc', message: 'size> expects a size like 10kb, 2mb or 512 (at column 6)' },
    { start: 4, end: 9, token: '/a/gg', message: 'bad regular expression: "gg" are not regular-expression flags (use i, m, s) (at column 5)' },
    { start: 3, end: 4, token: 'b', message: 'a quoted value must end the word: put a space after the closing quote (at column 4)' },
  ]);
  assert.equal(
    formatFilterError('status:200 hots:x', new FilterError('unknown key', 11, 16, 'hots:')),
    'status:200 hots:x\n           ^^^^^\nunknown key (at column 12)',
  );
});

/** A small, varied capture: every key has something to find and something to miss. */
function sampleSummaries(): FlowSummary[] {
  const json = (status: number) => ({
    status,
    statusText: '',
    headers: [['Content-Type', 'application/json; charset=utf-8']] as [string, string][],
    body: { size: 20_000, storedSize: 20_000, truncated: false, contentType: 'application/json; charset=utf-8' },
  });
  const flows = [
    makeFlow({ id: 'a', client: { ip: '127.0.0.2', port: 1 }, response: json(200), request: { method: 'GET', url: 'https://api.example.com/users/1?x=1', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
    makeFlow({ id: 'b', client: { ip: '::ffff:127.0.0.3', port: 1 }, response: json(503), appliedRules: [{ id: 'r1', kind: 'mock' }], request: { method: 'post', url: 'https://API.example.com/Users/2', httpVersion: '1.1', headers: [], body: { size: 300, storedSize: 300, truncated: false } } }),
    makeFlow({ id: 'c', client: { ip: '::1', port: 1 }, state: 'failed', error: { phase: 'dns', message: 'ENOTFOUND' }, appliedRules: [{ id: 'r2', kind: 'map-remote' }], request: { method: 'GET', url: 'http://static.test/img/logo.png', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
    makeFlow({ id: 'd', client: { ip: '10.1.2.3', port: 1 }, pinned: true, replayOf: 'a', response: { status: 404, statusText: '', headers: [], body: { size: 10, storedSize: 10, truncated: false, contentType: 'image/png' } }, request: { method: 'DELETE', url: 'https://api.example.com/orders/9', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
    makeFlow({ id: 'e', client: { ip: '127.0.0.2', port: 1 }, state: 'intercepted', imported: true, websocket: true, request: { method: 'GET', url: 'ws://chat.example.org/socket', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
  ];
  flows[0].timings = { totalMs: 2500 };
  return flows.map(toSummary);
}

test('compiled filters select the expected flows', () => {
  const summaries = sampleSummaries();
  const ids = (expr: string) => summaries.filter(compileFilter(expr)).map((s) => s.id).join('');
  const exprs = [
    '',
    'users',
    'USERS',
    '"example.com/users"',
    'ip:127.0.0.2',
    'ip:127.0.0.0/30',
    'ip:::1',
    'ip:10.0.0.0/8',
    'ip:::ffff:127.0.0.3',
    'host:api.example.com',
    'host:API.EXAMPLE.COM',
    'host:*.example.com',
    'host:*.example.*',
    'url:https://api.example.com/users/*',
    'url:*/users/?',
    'url:/users\\/\\d/',
    'url:/users\\/\\d/i',
    'path:/users/*',
    'path:*.png',
    'method:get',
    'method:POST',
    'status:404',
    'status:5xx',
    'status:400-599',
    'status>=400',
    'status<300',
    'type:json',
    'type:image',
    'id:c',
    'pinned',
    '-pinned',
    'is:error',
    'is:live',
    'is:paused',
    'is:replay',
    'is:imported',
    'is:mocked',
    'is:mapped',
    'is:ws',
    'size>10kb',
    'size<1kb',
    'size:10-100',
    'reqsize>0',
    'duration>2s',
    'host:api.example.com method:get',
    'status:5xx or is:error',
    '-(host:*.example.com or is:error)',
    'host:*.example.com -status:2xx',
    '(ip:127.0.0.2 or ip:::1) -is:live',
    'example and orders',
  ];
  assert.deepEqual(
    exprs.map((e) => [e, ids(e)]),
    [
      ['', 'abcde'],
      ['users', 'ab'],
      ['USERS', 'ab'],
      ['"example.com/users"', 'ab'],
      ['ip:127.0.0.2', 'ae'],
      ['ip:127.0.0.0/30', 'abe'],
      ['ip:::1', 'c'],
      ['ip:10.0.0.0/8', 'd'],
      ['ip:::ffff:127.0.0.3', 'b'],
      ['host:api.example.com', 'abd'],
      ['host:API.EXAMPLE.COM', 'abd'],
      ['host:*.example.com', 'abd'],
      ['host:*.example.*', 'abde'],
      ['url:https://api.example.com/users/*', 'ab'],
      ['url:*/users/?', 'b'],
      ['url:/users\\/\\d/', 'a'],
      ['url:/users\\/\\d/i', 'ab'],
      ['path:/users/*', 'ab'],
      ['path:*.png', 'c'],
      ['method:get', 'ace'],
      ['method:POST', 'b'],
      ['status:404', 'd'],
      ['status:5xx', 'b'],
      ['status:400-599', 'bd'],
      ['status>=400', 'bd'],
      ['status<300', 'a'],
      ['type:json', 'ab'],
      ['type:image', 'd'],
      ['id:c', 'c'],
      ['pinned', 'd'],
      ['-pinned', 'abce'],
      ['is:error', 'c'],
      ['is:live', ''],
      ['is:paused', 'e'],
      ['is:replay', 'd'],
      ['is:imported', 'e'],
      ['is:mocked', 'b'],
      ['is:mapped', 'c'],
      ['is:ws', 'e'],
      ['size>10kb', 'ab'],
      ['size<1kb', 'd'],
      ['size:10-100', 'd'],
      ['reqsize>0', 'b'],
      ['duration>2s', 'a'],
      ['host:api.example.com method:get', 'a'],
      ['status:5xx or is:error', 'bc'],
      ['-(host:*.example.com or is:error)', 'e'],
      ['host:*.example.com -status:2xx', 'bd'],
      ['(ip:127.0.0.2 or ip:::1) -is:live', 'ace'],
      ['example and orders', 'd'],
    ],
  );
});

test('compileFilter caches: the same text gives the same predicate; errors are thrown each time', () => {
  assert.equal(compileFilter('host:cache.test'), compileFilter('host:cache.test'));
  assert.throws(() => compileFilter('nokey:x'), FilterError);
  assert.throws(() => compileFilter('nokey:x'), FilterError);
});

test('suggestFilter offers keys for a word and values after is:, method:, status:, type:', () => {
  const labels = (text: string, cursor = text.length) => {
    const s = suggestFilter(text, cursor);
    return { from: s.from, to: s.to, labels: s.options.map((o) => o.label) };
  };
  assert.deepEqual(
    [labels('st'), labels('host:a -me'), labels('is:'), labels('status:4'), labels('(ty'), labels('is:e x', 4), labels('"is:', 4), labels('host:a'), labels('zz')],
    [
      { from: 0, to: 2, labels: ['status:'] },
      { from: 8, to: 10, labels: ['method:'] },
      { from: 3, to: 3, labels: ['error', 'live', 'paused', 'replay', 'imported', 'mocked', 'mapped', 'ws', 'pinned', 'sse', 'grpc'] },
      { from: 7, to: 8, labels: ['4xx'] },
      { from: 1, to: 3, labels: ['type:'] },
      { from: 3, to: 4, labels: ['error'] },
      { from: 4, to: 4, labels: [] },
      { from: 6, to: 6, labels: [] },
      { from: 0, to: 2, labels: [] },
    ],
  );
  assert.equal(suggestFilter('', 0).options.length, 17);
});
