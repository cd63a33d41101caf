// The relay's DNS-rebinding and cross-site checks, header by header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedHost, isAllowedOrigin } from '../../../../electron/core/inspect/guard';

test('Host: IP literals and localhost names pass, DNS names and junk do not (Node inspector rule)', () => {
  const hosts = ['127.0.0.1:9229', 'localhost:9229', 'LOCALHOST', 'app.localhost:9229', '[::1]:9229', '192.168.1.5:9229', 'evil.example', 'evil.example:9229', 'localhost.evil.example', '', undefined, '127.0.0.1:9229:1'];
  assert.deepEqual(
    hosts.map((h) => [h, isAllowedHost(h)]),
    [
      ['127.0.0.1:9229', true],
      ['localhost:9229', true],
      ['LOCALHOST', true],
      ['app.localhost:9229', true],
      ['[::1]:9229', true],
      ['192.168.1.5:9229', true],
      ['evil.example', false],
      ['evil.example:9229', false],
      ['localhost.evil.example', false],
      ['', false],
      [undefined, false],
      ['127.0.0.1:9229:1', false],
    ],
  );
});

test('Origin: none, DevTools, and loopback pages pass; any other site does not', () => {
  const origins = [undefined, 'devtools://devtools', 'chrome-devtools://devtools', 'http://localhost:3000', 'http://127.0.0.1:8081', 'https://[::1]', 'http://evil.example', 'https://192.168.1.5', 'null', 'file://'];
  assert.deepEqual(
    origins.map((o) => isAllowedOrigin(o)),
    [true, true, true, true, true, true, false, false, false, false],
  );
});
