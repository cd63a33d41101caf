import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaType, splitUrl, toSummary } from '../../../electron/common/flow';
import { makeFlow } from '../../helpers/flows';

test('splitUrl separates host and path+query, lower-cases the host, drops port and userinfo', () => {
  assert.deepEqual(splitUrl('https://User@API.Example.com:8443/a/b?x=1#frag'), { host: 'api.example.com', path: '/a/b?x=1' });
  assert.deepEqual(splitUrl('http://[::1]:8080'), { host: '::1', path: '/' });
  assert.deepEqual(splitUrl('not a url'), { host: '', path: 'not a url' });
});

test('toSummary derives the list row from a completed flow', () => {
  const flow = makeFlow({ id: 'f1', seq: 7, response: true });
  assert.deepEqual(toSummary(flow), {
    id: 'f1',
    seq: 7,
    startedAt: flow.startedAt,
    state: 'completed',
    clientIp: '127.0.0.1',
    method: 'GET',
    url: 'http://example.test/path?q=1',
    host: 'example.test',
    path: '/path?q=1',
    status: 200,
    contentType: 'application/json',
    requestSize: 0,
    responseSize: 13,
    durationMs: 12,
    appliedRuleKinds: [],
    pinned: false,
  });
});

test('mediaType is the content type without parameters, lower case; nothing for an empty one', () => {
  assert.deepEqual(
    ['Text/HTML; charset=utf-8', 'application/json', ' image/png ;q=1', ' ; charset=utf-8', '', undefined].map(mediaType),
    ['text/html', 'application/json', 'image/png', undefined, undefined, undefined],
  );
});

test('toSummary lists each kind of rule applied once, in the order first applied, and none for a flow no rule touched', () => {
  const ruled = makeFlow({ appliedRules: [{ id: 'a', kind: 'mock' }, { id: 'b', kind: 'map-remote' }, { id: 'c', kind: 'mock' }] });
  assert.deepEqual([toSummary(ruled).appliedRuleKinds, toSummary(makeFlow()).appliedRuleKinds], [['mock', 'map-remote'], []]);
});
