import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUpstreamProxy } from '../../../electron/common/connection-rule';
import type { DeviceProfile } from '../../../electron/common/rule';
import { explainRule } from '../../../electron/common/rule-explain';
import { validateRule } from '../../../electron/common/rule-validate';

test('parseUpstreamProxy reads every proxy form and says what is wrong with the rest', () => {
  const inputs = ['http://proxy.corp:3128', 'https://proxy.corp', 'socks5://u%40x:p%3Aw@127.0.0.1:1080', 'socks5h://[::1]:9050/', 'pac+file:///etc/proxy.pac', 'pac+https://wpad.corp/proxy.pac', 'DIRECT', 'ftp://x:21', 'http://proxy:99999', 'proxy.corp:3128', 'pac+ftp://x/y'];
  assert.deepEqual(inputs.map(parseUpstreamProxy), [
    { ok: true, proxy: { kind: 'http', host: 'proxy.corp', port: 3128 } },
    { ok: true, proxy: { kind: 'https', host: 'proxy.corp', port: 443 } },
    { ok: true, proxy: { kind: 'socks5', host: '127.0.0.1', port: 1080, username: 'u@x', password: 'p:w' } },
    { ok: true, proxy: { kind: 'socks5h', host: '::1', port: 9050 } },
    { ok: true, proxy: { kind: 'pac', location: 'file:///etc/proxy.pac' } },
    { ok: true, proxy: { kind: 'pac', location: 'https://wpad.corp/proxy.pac' } },
    { ok: true, proxy: { kind: 'direct' } },
    { ok: false, error: 'the scheme must be http, https, socks5, socks5h or pac+…, not ftp' },
    { ok: false, error: 'port 99999 must be from 1 to 65535' },
    { ok: false, error: 'must look like http://host:port, https://host:port, socks5://host:port, socks5h://host:port, pac+file:///path, pac+https://host/path or direct' },
    { ok: false, error: 'a PAC location must be pac+file:///absolute/path or pac+http(s)://host/path' },
  ]);
});

test('connection rules are validated on save, naming the field', () => {
  const check = (input: Record<string, unknown>) => {
    const r = validateRule({ id: 'r', name: 'n', ...input });
    return r.ok ? r.rule.action : r.errors;
  };
  assert.deepEqual(
    [
      check({ matchers: [{ type: 'host', host: 'bank.test' }], action: { type: 'passthrough', extra: 1 } }),
      check({ matchers: [{ type: 'host', host: 'a.test' }, { type: 'method', method: 'GET' }], action: { type: 'passthrough' } }),
      check({ action: { type: 'upstream-proxy', proxy: ' socks5://127.0.0.1:1080 ' } }),
      check({ action: { type: 'upstream-proxy' } }),
      check({ action: { type: 'upstream-proxy', proxy: 'gopher://x' } }),
      check({ matchers: [{ type: 'url', pattern: '*/private/*', syntax: 'wildcard' }], action: { type: 'do-not-record' } }),
    ],
    [
      { type: 'passthrough' },
      [{ field: 'matchers[1]', message: 'a passthrough rule is decided when the tunnel opens, before any method is seen: use host matchers only' }],
      { type: 'upstream-proxy', proxy: 'socks5://127.0.0.1:1080' },
      [{ field: 'action.proxy', message: 'is required (like http://proxy.corp:3128, socks5://127.0.0.1:1080, pac+file:///etc/proxy.pac or direct)' }],
      [{ field: 'action.proxy', message: 'the scheme must be http, https, socks5, socks5h or pac+…, not gopher' }],
      { type: 'do-not-record' },
    ],
  );
});

test('connection rules explain themselves in one line, never showing a proxy password', () => {
  const profiles: DeviceProfile[] = [{ id: 'p', name: 'Pixel', clients: ['192.168.1.23'], rules: [] }];
  const explain = (input: Record<string, unknown>) => {
    const r = validateRule({ id: 'r', name: 'n', ...input });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return explainRule(r.rule, profiles);
  };
  assert.deepEqual(
    [
      explain({ matchers: [{ type: 'host', host: '*.bank.test' }], scope: { profile: 'p' }, action: { type: 'passthrough' } }),
      explain({ matchers: [{ type: 'host', host: 'health.test' }], action: { type: 'do-not-record' } }),
      explain({ action: { type: 'upstream-proxy', proxy: 'http://me:secret@proxy.corp:3128' } }),
      explain({ matchers: [{ type: 'host', host: '*.internal' }], scope: { clients: ['10.0.0.0/8'] }, action: { type: 'upstream-proxy', proxy: 'direct' } }),
      explain({ action: { type: 'upstream-proxy', proxy: 'pac+file:///etc/proxy.pac' } }),
    ],
    [
      'Pass *.bank.test through without decrypting from profile "Pixel" (host, bytes and duration recorded)',
      'Forward health.test for every client without recording',
      'Send every request for every client through upstream proxy http://me@proxy.corp:3128',
      'Connect directly (no upstream proxy) for *.internal from 10.0.0.0/8',
      'Send every request for every client through upstream proxy PAC file:///etc/proxy.pac',
    ],
  );
});
