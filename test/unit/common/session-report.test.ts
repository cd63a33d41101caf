import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffFlows, type DiffInput } from '../../../electron/common/diff';
import { jsonPathMatches, parseJsonPath } from '../../../electron/common/json-path-pattern';
import { endpointOf, requestPathOf } from '../../../electron/common/session-endpoint';
import { matchInOrder } from '../../../electron/common/session-match';
import { SessionReportBuilder, differencesOf, pairReport, parseIgnore, volatileWith, type ExchangeInfo } from '../../../electron/common/session-report';
import { makeFlow } from '../../helpers/flows';

test('JSON path patterns: wildcards match one key or index, a pattern covers what is inside it', () => {
  const p = parseJsonPath('$.data.*.updatedAt');
  assert.deepEqual(
    {
      segments: [p, parseJsonPath('$["odd key"][2][*]')],
      hits: ['$.data[0].updatedAt', '$.data.x.updatedAt', '$.data[0].updatedAt.ms', '$.data[0].id', '$.data', '$.other[0].updatedAt'].map((path) => jsonPathMatches(p, path)),
    },
    { segments: [['data', '*', 'updatedAt'], ['odd key', 2, '*']], hits: [true, true, true, false, false, false] },
  );
  assert.throws(() => parseJsonPath('data.x'), /starts with \$/);
  assert.throws(() => parseJsonPath('$.a[x]'), /cannot read the JSON path '\$\.a\[x\]' at '\[x\]'/);
});

test('endpoints are method and route template without the query; pairing keys keep the exact path', () => {
  assert.deepEqual(
    {
      endpoints: [endpointOf('get', 'https://a.test:8443/users/7?x=1'), endpointOf('POST', 'http://a.test'), endpointOf('GET', 'http://a.test/docs/intro?page=2')],
      paths: [requestPathOf('get', 'https://a.test:8443/users/7?x=1'), requestPathOf('POST', 'http://a.test?x=1')],
    },
    { endpoints: ['GET /users/{id}', 'POST /', 'GET /docs/intro'], paths: ['GET /users/7', 'POST /'] },
  );
});

test('a report groups /users/17 and /users/42 of any origin under one templated endpoint, in order of first occurrence', () => {
  const x = (method: string, url: string): ExchangeInfo => ({ method, url, status: 200 });
  const builder = new SessionReportBuilder({ kind: 'diff', a: 'a.har', b: 'b.har', ignore: [] });
  builder.pair(pairReport(x('GET', 'http://a.test/users/17'), x('GET', 'http://b.test/users/17'), []));
  builder.pair(pairReport(x('GET', 'http://a.test/orders/5f0c6a1e-3c2b-4d7a-9f1e-2b3c4d5e6f70'), x('GET', 'http://b.test/orders/5f0c6a1e-3c2b-4d7a-9f1e-2b3c4d5e6f70'), [{ kind: 'status', a: 200, b: 404 }]));
  builder.removed(x('GET', 'http://a.test/users/42'));
  builder.added(x('GET', 'http://b.test/users/43?expand=1'));
  assert.deepEqual(builder.report(), {
    kind: 'diff',
    a: 'a.har',
    b: 'b.har',
    ignore: [],
    totals: { pairs: 2, same: 1, changed: 1, added: 1, removed: 1, notSent: 0 },
    endpoints: [
      {
        endpoint: 'GET /users/{id}',
        pairs: [{ a: x('GET', 'http://a.test/users/17'), b: x('GET', 'http://b.test/users/17'), same: true, differences: [] }],
        added: [x('GET', 'http://b.test/users/43?expand=1')],
        removed: [x('GET', 'http://a.test/users/42')],
        notSent: [],
      },
      {
        endpoint: 'GET /orders/{uuid}',
        pairs: [{ a: x('GET', 'http://a.test/orders/5f0c6a1e-3c2b-4d7a-9f1e-2b3c4d5e6f70'), b: x('GET', 'http://b.test/orders/5f0c6a1e-3c2b-4d7a-9f1e-2b3c4d5e6f70'), same: false, differences: [{ kind: 'status', a: 200, b: 404 }] }],
        added: [],
        removed: [],
        notSent: [],
      },
    ],
  });
});

test('sessions pair up by key in order; leftovers are removed and added', () => {
  assert.deepEqual(matchInOrder(['a', 'b', 'a', 'c'], ['a', 'a', 'd', 'b']), { pairs: [[0, 0], [1, 3], [2, 1]], removed: [3], added: [2] });
});

test('differences: status, headers (volatile and Content-Length left out, --ignore names too), JSON paths minus ignored ones', () => {
  const flow = (status: number, headers: [string, string][]) => {
    const f = makeFlow({ response: true });
    f.response = { ...f.response!, status, headers };
    return f;
  };
  const input = (status: number, headers: [string, string][], json: string): DiffInput => ({
    flow: flow(status, headers),
    request: { kind: 'none' },
    response: { kind: 'text', text: json, size: json.length, truncated: false, contentType: 'application/json' },
  });
  const ignore = parseIgnore(['$.meta', 'X-Build']);
  const a = input(200, [['Date', '1'], ['Content-Length', '10'], ['X-Build', '1'], ['Vary', 'Accept']], '{"id":1,"name":"a","meta":{"t":1}}');
  const b = input(201, [['Date', '2'], ['Content-Length', '12'], ['X-Build', '2']], '{"id":1,"name":"b","meta":{"t":2},"new":true}');
  assert.deepEqual(differencesOf(diffFlows(a, b, { volatile: volatileWith(ignore) }), ignore), [
    { kind: 'status', a: 200, b: 201 },
    { kind: 'header', name: 'Vary', a: ['Accept'], b: null },
    { kind: 'json', path: '$.name', a: 'a', b: 'b' },
    { kind: 'json', path: '$.new', b: true },
  ]);
  assert.throws(() => parseIgnore(['bad name']), /neither a header name nor a JSON path/);
});
