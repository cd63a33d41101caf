import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenApiError, openApiRoutes } from '../../../electron/common/openapi-routes';

const doc = {
  openapi: '3.1.0',
  info: { title: 'Pets', version: '1' },
  servers: [{ url: 'https://api.example.com/v1/' }],
  paths: {
    '/pets/{petId}': { get: { operationId: 'getPet' }, delete: {} },
    '/pets/mine': { get: { operationId: 'myPets' } },
    '/files/{name}.json': { get: { operationId: 'getFile' } },
    '/': { get: { operationId: 'root' } },
  },
};

test('documented paths match literal segments first, strip the server base path, and name operations', () => {
  const routes = openApiRoutes(doc);
  assert.equal(routes.title, 'Pets 1');
  assert.deepEqual(routes.operations, [
    { method: 'GET', route: '/pets/{petId}', operation: 'getPet' },
    { method: 'DELETE', route: '/pets/{petId}', operation: 'DELETE /pets/{petId}' },
    { method: 'GET', route: '/pets/mine', operation: 'myPets' },
    { method: 'GET', route: '/files/{name}.json', operation: 'getFile' },
    { method: 'GET', route: '/', operation: 'root' },
  ]);
  assert.deepEqual(
    [
      routes.match('GET', '/v1/pets/7?x=1'),
      routes.match('get', '/pets/mine'),
      routes.match('GET', '/v1/pets/mine/'),
      routes.match('POST', '/pets/7'),
      routes.match('GET', '/files/a.b.json'),
      routes.match('GET', '/files/a.xml'),
      routes.match('GET', '/v1'),
      routes.match('GET', '/pets/7/toys'),
    ],
    [
      { route: '/pets/{petId}', operation: 'getPet' },
      { route: '/pets/mine', operation: 'myPets' },
      { route: '/pets/mine', operation: 'myPets' },
      { route: '/pets/{petId}' },
      { route: '/files/{name}.json', operation: 'getFile' },
      undefined,
      { route: '/', operation: 'root' },
      undefined,
    ],
  );
});

test('documents that are not OpenAPI 3 are refused with the reason', () => {
  const reason = (d: unknown) => {
    try {
      openApiRoutes(d);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof OpenApiError);
      return err.message;
    }
  };
  assert.deepEqual([reason(null), reason({ swagger: '2.0' }), reason({ openapi: '3.0.0' }), reason([])], [
    'the document is not an object',
    'Swagger 2 documents are not supported; convert it to OpenAPI 3',
    "the document has no 'paths' object",
    'the document is not an object',
  ]);
});
