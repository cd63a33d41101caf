// The relay's pure pieces: target specs, the endpoints polled (never the relay itself), stable path names,
// and the addresses users copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devtoolsUrl, parseTargetSpec, pathBase, targetEndpoints, vscodeLaunchConfig } from '../../../electron/common/inspect';

test('target specs: port, range, host:port, [v6]:range; bad ones say why', () => {
  assert.deepEqual(
    ['9230', '9229-9250', 'localhost:9300', '[::1]:9229-9230', ' 10.0.0.5:9229 '].map((s) => parseTargetSpec(s)),
    [
      { ok: true, range: { host: '127.0.0.1', from: 9230, to: 9230 } },
      { ok: true, range: { host: '127.0.0.1', from: 9229, to: 9250 } },
      { ok: true, range: { host: 'localhost', from: 9300, to: 9300 } },
      { ok: true, range: { host: '::1', from: 9229, to: 9230 } },
      { ok: true, range: { host: '10.0.0.5', from: 9229, to: 9229 } },
    ],
  );
  assert.deepEqual(
    ['', 'abc', '0', '9250-9229', '70000', 'http://x:1'].map((s) => parseTargetSpec(s)),
    [
      { ok: false, error: "'' is not PORT, FROM-TO or HOST:PORT" },
      { ok: false, error: "'abc' is not PORT, FROM-TO or HOST:PORT" },
      { ok: false, error: "'0': ports are 1–65535" },
      { ok: false, error: "'9250-9229': the range ends before it starts" },
      { ok: false, error: "'70000': ports are 1–65535" },
      { ok: false, error: "'http://x:1' is not PORT, FROM-TO or HOST:PORT" },
    ],
  );
});

test("endpoints: in order, deduplicated, without the relay's own listener", () => {
  const ranges = [
    { host: '127.0.0.1', from: 9229, to: 9231 },
    { host: '127.0.0.1', from: 9230, to: 9230 },
    { host: 'localhost', from: 9229, to: 9229 },
    { host: '10.0.0.5', from: 9229, to: 9229 },
  ];
  assert.deepEqual(targetEndpoints(ranges, { host: '127.0.0.1', port: 9229 }), [
    { host: '127.0.0.1', port: 9230 },
    { host: '127.0.0.1', port: 9231 },
    { host: '10.0.0.5', port: 9229 },
  ]);
  // A relay on every interface is also reached through 10.0.0.5.
  assert.deepEqual(targetEndpoints(ranges, { host: '0.0.0.0', port: 9229 }), [
    { host: '127.0.0.1', port: 9230 },
    { host: '127.0.0.1', port: 9231 },
  ]);
});

test('path bases: the name, else the script file name, cleaned for a URL', () => {
  assert.deepEqual(
    [pathBase('api', '/srv/x.js'), pathBase(undefined, '/srv/api/server.js'), pathBase(undefined, 'file:///C:/app/main.mjs'), pathBase(undefined, 'C:\\app\\my app.ts'), pathBase(undefined, 'node[123]'), pathBase(undefined, '')],
    ['api', 'server', 'main', 'my-app', 'node-123', 'node'],
  );
});

test('addresses: DevTools URL and VS Code configuration', () => {
  assert.equal(devtoolsUrl('127.0.0.1', 9229, 'api'), 'devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:9229/api');
  assert.equal(devtoolsUrl('::1', 9229), 'devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=[::1]:9229/');
  assert.deepEqual(JSON.parse(vscodeLaunchConfig('127.0.0.1', 9229)), { type: 'node', request: 'attach', name: 'Hindsight relay 127.0.0.1:9229', address: '127.0.0.1', port: 9229, restart: true });
});
