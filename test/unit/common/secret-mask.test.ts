import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskEmbedded, maskHeaders, maskJson, maskText, maskUrl } from '../../../electron/common/secret-mask';

test('headers: Authorization keeps its scheme, Set-Cookie its name and attributes, API-key-looking names masked, others kept', () => {
  assert.deepEqual(
    maskHeaders([
      ['Authorization', 'Bearer abc.def'],
      ['Cookie', 'a=1; b=2'],
      ['Set-Cookie', 'sid=xyz; Path=/; HttpOnly'],
      ['X-Api-Key', 'k1'],
      ['X-Auth-Token', 't'],
      ['Content-Type', 'application/json'],
      ['Accept', ''],
    ]),
    [
      ['Authorization', 'Bearer [masked 7 chars]'],
      ['Cookie', '[masked 8 chars]'],
      ['Set-Cookie', 'sid=[masked 3 chars]; Path=/; HttpOnly'],
      ['X-Api-Key', '[masked 2 chars]'],
      ['X-Auth-Token', '[masked 1 chars]'],
      ['Content-Type', 'application/json'],
      ['Accept', ''],
    ],
  );
});

test('JSON: secret fields at any depth, {name, value} pairs, HAR cookies and embedded bodies', () => {
  assert.deepEqual(
    maskJson({
      user: 'ada',
      password: 'pw',
      nested: [{ access_token: 'tok', refresh_token: 12345, count: 3 }],
      headers: [
        { name: 'Authorization', value: 'Basic Zm9v' },
        { name: 'Accept', value: '*/*' },
      ],
      cookies: [{ name: 'theme', value: 'dark' }],
      postData: { text: '{"apiKey":"k","q":1}' },
    }),
    {
      user: 'ada',
      password: '[masked 2 chars]',
      nested: [{ access_token: '[masked 3 chars]', refresh_token: '[masked 5 chars]', count: 3 }],
      headers: [
        { name: 'Authorization', value: 'Basic [masked 4 chars]' },
        { name: 'Accept', value: '*/*' },
      ],
      cookies: [{ name: 'theme', value: '[masked 4 chars]' }],
      postData: { text: '{"apiKey":"[masked 1 chars]","q":1}' },
    },
  );
});

test('URLs, free text and embedded text', () => {
  assert.deepEqual(
    {
      url: maskUrl('https://a.test/p?api_key=s3cr3t&page=2#frag'),
      plain: maskUrl('https://a.test/p?page=2'),
      curl: maskText("curl -H 'Authorization: Bearer t0k' -H 'Accept: x' 'https://a.test/?token=abc&x=1'"),
      form: maskText('user=ada&password=hunter2'),
      jsonLine: maskText('  "client_secret": "zzz",'),
      embedded: maskEmbedded('not json; session_id=42'),
    },
    {
      url: 'https://a.test/p?api_key=%5Bmasked%206%20chars%5D&page=2#frag',
      plain: 'https://a.test/p?page=2',
      curl: "curl -H 'Authorization: Bearer [masked 3 chars]' -H 'Accept: x' 'https://a.test/?token=[masked 3 chars]&x=1'",
      form: 'user=ada&password=[masked 7 chars]',
      jsonLine: '  "client_secret": "[masked 3 chars]",',
      embedded: 'not json; session_id=[masked 2 chars]',
    },
  );
});
