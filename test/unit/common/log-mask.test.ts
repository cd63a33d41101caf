import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerObject, maskJsonText, maskQuery, maskUrl } from '../../../electron/common/log-mask';

test('credential headers, secret query parameters and JSON fields are masked; the rest is kept as sent', () => {
  assert.deepEqual(
    {
      headers: headerObject([['Authorization', 'Bearer x'], ['Accept', 'a'], ['Cookie', 'a=1'], ['Accept', 'b'], ['X-Api-Key', 'k']], true),
      unmasked: headerObject([['Authorization', 'Bearer x']], false),
      query: maskQuery('access_token=abc&q=shoes&Pass%77ord=x&flag'),
      url: maskUrl('https://a.test/p?client_secret=s&page=2'),
      json: maskJsonText('{"user":{"name":"ann","password":"p","tokens":["a"]},"apiKey":7,"list":[{"secret":"s"}]}'),
      untouched: maskJsonText('{ "name": "ann", "passengers": 2, "bypass": true }'),
      cut: maskJsonText('{"user":"ann","password":"hun'),
      cutHarmless: maskJsonText('{"user":"ann","age":4'),
    },
    {
      headers: { authorization: '***', accept: 'a, b', cookie: '***', 'x-api-key': '***' },
      unmasked: { authorization: 'Bearer x' },
      query: 'access_token=***&q=shoes&Pass%77ord=***&flag',
      url: 'https://a.test/p?client_secret=***&page=2',
      json: '{"user":{"name":"ann","password":"***","tokens":"***"},"apiKey":"***","list":[{"secret":"***"}]}',
      untouched: '{ "name": "ann", "passengers": 2, "bypass": true }',
      cut: '[masked: JSON that could not be parsed, with secret-like field names; 29 characters]',
      cutHarmless: '{"user":"ann","age":4',
    },
  );
});
