import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitUrl, toSummary } from '../../../electron/common/flow';
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
