// The PAC script, evaluated as a browser would (FindProxyForURL with the PAC helper functions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { pacScript } from '../../../../electron/core/sysproxy/pac';

function evaluate(script: string, hosts: string[]): Record<string, string> {
  const context = vm.createContext({
    isPlainHostName: (h: string) => !h.includes('.') && !h.includes(':'),
    shExpMatch: (s: string, glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s),
  });
  vm.runInContext(script, context);
  const find = context.FindProxyForURL as (url: string, host: string) => string;
  return Object.fromEntries(hosts.map((h) => [h, find(`http://${h}/`, h)]));
}

test('proxied through Hindsight with a direct fallback, bypass list honoured', () => {
  const script = pacScript('127.0.0.1', 8080, ['localhost', '127.0.0.1', '*.internal', '<local>']);
  assert.deepEqual(evaluate(script, ['example.com', 'localhost', '127.0.0.1', 'api.internal', 'printer', 'api.example.org']), {
    'example.com': 'PROXY 127.0.0.1:8080; DIRECT',
    localhost: 'DIRECT',
    '127.0.0.1': 'DIRECT',
    'api.internal': 'DIRECT',
    printer: 'DIRECT',
    'api.example.org': 'PROXY 127.0.0.1:8080; DIRECT',
  });
});

test('without <local>, plain host names go through the proxy; IPv6 proxy hosts are bracketed', () => {
  assert.deepEqual(evaluate(pacScript('::1', 9000, []), ['printer']), { printer: 'PROXY [::1]:9000; DIRECT' });
});
