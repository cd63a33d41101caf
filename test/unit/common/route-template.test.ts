import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramKind, templatePath } from '../../../electron/common/route-template';

test('value-like path segments become parameters; words, slugs and short codes stay', () => {
  const cases: Record<string, string> = {
    '/users/42': '/users/{id}',
    '/users/42/orders/5f0c8a3e-9b1d-4c2e-8f7a-0123456789ab?x=1': '/users/{id}/orders/{uuid}',
    '/a/1/b/2': '/a/{id}/b/{id2}',
    '/objects/507f1f77bcf86cd799439011': '/objects/{hex}',
    '/commits/da39a3ee5e6b4b0d3255bfef95601890afd80709': '/commits/{hex}',
    '/files/aGVsbG8gd29ybGQgMTIzNDU2': '/files/{token}',
    '/session/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig4Abc': '/session/{token}',
    '/reports/2026-12-04': '/reports/{date}',
    '/logs/2026-12-04T09:30:00Z': '/logs/{date}',
    '/users/ann%40example.com/prefs': '/users/{email}/prefs',
    '/users/ann@example.com': '/users/{email}',
    '/api/v2/health': '/api/v2/health',
    '/blog/how-to-cook-rice-in-2024': '/blog/how-to-cook-rice-in-2024',
    '/price/-3.5': '/price/{id}',
    '/': '/',
    '': '/',
    '?q=1': '/',
    '/users/': '/users/',
    '/deadbeef': '/deadbeef',
  };
  assert.deepEqual(Object.fromEntries(Object.keys(cases).map((p) => [p, templatePath(p)])), cases);
});

test('paramKind names what a segment holds', () => {
  assert.deepEqual(
    ['7', 'ABCDEF01-2345-6789-abcd-ef0123456789', 'abc', '', 'V2'].map(paramKind),
    ['id', 'uuid', undefined, undefined, undefined],
  );
});
