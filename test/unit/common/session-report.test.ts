import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffFlows, type DiffInput } from '../../../electron/common/diff';
import { jsonPathMatches, parseJsonPath } from '../../../electron/common/json-path-pattern';
import { endpointOf } from '../../../electron/common/session-endpoint';
import { matchInOrder } from '../../../electron/common/session-match';
import { differencesOf, parseIgnore, volatileWith } from '../../../electron/common/session-report';
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

test('endpoints are method and path without the query', () => {
  assert.deepEqual([endpointOf('get', 'https://a.test:8443/users/7?x=1'), endpointOf('POST', 'http://a.test')], ['GET /users/7', 'POST /']);
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
