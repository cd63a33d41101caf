import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerObject, maskJsonText, maskQuery, maskUrl } from '../../../electron/common/log-mask';

test('credential headers, secret query parameters and JSON fields are masked; the rest is kept as sent', () => {
  assert.deepEqual(
    {
      headers: headerObject([['Authorization', 'Bearer x'], ['Accept', 'a'], ['Cookie', 'a=1'], ['Accept', 'b'], ['X-Api-Key', 'k']], true),
      unmasked: headerObject([['Authorization', 'Bearer x']], false),
      // Headers named like Object.prototype's members are fields like the others.
      prototypeNames: JSON.stringify(headerObject([['Constructor', 'c'], ['__proto__', 'p'], ['toString', 't'], ['constructor', 'd'], ['__PROTO__', 'q']], true)),
      query: maskQuery('access_token=abc&q=shoes&Pass%77ord=x&flag'),
      // Without `%`: kept as it is when no name could be secret, masked by name otherwise.
      plainQuery: maskQuery('q=shoes&page=2&bypass=1&api+key=1'),
      plainSecret: maskQuery('q=shoes&PASSWD=x&sort=desc'),
      url: maskUrl('https://a.test/p?client_secret=s&page=2'),
      json: maskJsonText('{"user":{"name":"ann","password":"p","tokens":["a"]},"apiKey":7,"list":[{"secret":"s"}]}'),
      untouched: maskJsonText('{ "name": "ann", "passengers": 2, "bypass": true }'),
      cut: maskJsonText('{"user":"ann","password":"hun'),
      cutHarmless: maskJsonText('{"user":"ann","age":4'),
    },
    {
      headers: { authorization: '***', accept: 'a, b', cookie: '***', 'x-api-key': '***' },
      unmasked: { authorization: 'Bearer x' },
      prototypeNames: '{"constructor":"c, d","__proto__":"p, q","tostring":"t"}',
      query: 'access_token=***&q=shoes&Pass%77ord=***&flag',
      plainQuery: 'q=shoes&page=2&bypass=1&api+key=1',
      plainSecret: 'q=shoes&PASSWD=***&sort=desc',
      url: 'https://a.test/p?client_secret=***&page=2',
      json: '{"user":{"name":"ann","password":"***","tokens":"***"},"apiKey":"***","list":[{"secret":"***"}]}',
      untouched: '{ "name": "ann", "passengers": 2, "bypass": true }',
      cut: '[masked: JSON that could not be parsed, with secret-like field names; 29 characters]',
      cutHarmless: '{"user":"ann","age":4',
    },
  );
});
