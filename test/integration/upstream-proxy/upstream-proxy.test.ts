// Upstream proxies through real proxies: a second Hindsight core on loopback is the corporate proxy (HTTP
// proxy requests, CONNECT for HTTPS and passthrough tunnels), a PAC file picks it per host, each flow names
// the proxy that carried it, and a rule pointing back at this Hindsight is refused on save (naming
// action.proxy) or, named by a PAC script, when the request is sent.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from '../capture/clients';
import { loadRulesFile } from '../../../electron/core/rules/rules-file';
import { PROFILE_EXPORT_FORMAT, PROFILE_EXPORT_VERSION } from '../../../electron/common/profile-share';

let origin: Origin;
let back: TestCore;
let front: TestCore;
let frontCa: { file: string; dispose(): void };
let backCa: { file: string; dispose(): void };

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  back = await startTestCore({ origin });
  // Like a corporate proxy that inspects TLS: the front trusts the back's CA for what it mints.
  front = await startTestCore({ origin, upstreamCa: [origin.caPem, back.caPem] });
  frontCa = pemFile(front.caPem);
  backCa = pemFile(back.caPem);
});
afterEach(async () => {
  await front.dispose();
  await back.dispose();
  frontCa.dispose();
  backCa.dispose();
});

const carried = (flows: { request: { url: string }; upstreamProxy?: string; response?: { status: number }; appliedRules: { kind: string }[] }[]) =>
  flows.map((f) => ({ url: f.request.url, status: f.response?.status, via: f.upstreamProxy, applied: f.appliedRules.map((a) => a.kind) })).sort((a, b) => a.url.localeCompare(b.url));

describe('upstream proxy', () => {
  test('HTTP and HTTPS through an HTTP upstream proxy for one host; other hosts go direct', async () => {
    await front.core.rules.store.save({ name: 'corp', matchers: [{ type: 'host', host: '*.corp.test' }], action: { type: 'upstream-proxy', proxy: `http://127.0.0.1:${back.port}` } });
    const plain = await curl(front.proxyUrl, [origin.url('/json', { host: 'api.corp.test' })]);
    const secure = await curl(front.proxyUrl, [origin.url('/json', { secure: true, host: 'api.corp.test' })], { caFile: frontCa.file });
    const direct = await curl(front.proxyUrl, [origin.url('/json', { host: 'public.test' })]);
    assert.deepEqual([plain.status, secure.status, direct.status, JSON.parse(secure.body)], [200, 200, 200, { hello: 'world' }]);
    const via = `http://127.0.0.1:${back.port}`;
    assert.deepEqual(carried(await front.finishedFlows(3)), [
      { url: origin.url('/json', { host: 'api.corp.test' }), status: 200, via, applied: ['upstream-proxy'] },
      { url: origin.url('/json', { host: 'public.test' }), status: 200, via: undefined, applied: [] },
      { url: origin.url('/json', { secure: true, host: 'api.corp.test' }), status: 200, via, applied: ['upstream-proxy'] },
    ]);
    // The upstream proxy really carried the two (and only those).
    assert.deepEqual(carried(await back.finishedFlows(2)).map((f) => [f.url, f.status]), [
      [origin.url('/json', { host: 'api.corp.test' }), 200],
      [origin.url('/json', { secure: true, host: 'api.corp.test' }), 200],
    ]);
  });

  test('HTTP and HTTPS through a SOCKS5 upstream proxy (socks5h, and socks5 with a username and password)', async () => {
    // The back core speaks SOCKS5 on its proxy port, and asks for credentials.
    await back.dispose();
    back = await startTestCore({ origin, socksCredentials: { username: 'corp', password: 'pa ss' } });
    await front.dispose();
    front = await startTestCore({ origin, upstreamCa: [origin.caPem, back.caPem] });
    frontCa.dispose();
    frontCa = pemFile(front.caPem);
    await front.core.rules.store.save({ name: 'socks h', matchers: [{ type: 'host', host: 'h.test' }], action: { type: 'upstream-proxy', proxy: `socks5h://corp:pa%20ss@127.0.0.1:${back.port}` } });
    await front.core.rules.store.save({ name: 'socks', matchers: [{ type: 'host', host: 'local.test' }], action: { type: 'upstream-proxy', proxy: `socks5://corp:pa%20ss@127.0.0.1:${back.port}` } });
    const results = [
      await curl(front.proxyUrl, [origin.url('/json', { host: 'h.test' })]),
      await curl(front.proxyUrl, [origin.url('/json', { secure: true, host: 'h.test' })], { caFile: frontCa.file }),
      await curl(front.proxyUrl, [origin.url('/json', { host: 'local.test' })]),
      await curl(front.proxyUrl, [origin.url('/json', { secure: true, host: 'local.test' })], { caFile: frontCa.file }),
    ];
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200]);
    const viaH = `socks5h://corp@127.0.0.1:${back.port}`;
    const via = `socks5://corp@127.0.0.1:${back.port}`;
    assert.deepEqual(carried(await front.finishedFlows(4)), [
      { url: origin.url('/json', { host: 'h.test' }), status: 200, via: viaH, applied: ['upstream-proxy'] },
      { url: origin.url('/json', { host: 'local.test' }), status: 200, via, applied: ['upstream-proxy'] },
      { url: origin.url('/json', { secure: true, host: 'h.test' }), status: 200, via: viaH, applied: ['upstream-proxy'] },
      { url: origin.url('/json', { secure: true, host: 'local.test' }), status: 200, via, applied: ['upstream-proxy'] },
    ]);
    // The back saw names (socks5h) and addresses resolved by the front (socks5).
    assert.deepEqual(carried(await back.finishedFlows(4)).map((f) => [f.url, f.status]), [
      [origin.url('/json', { host: 'h.test' }), 200],
      [`http://local.test:${origin.httpPort}/json`, 200],
      [origin.url('/json', { secure: true, host: 'h.test' }), 200],
      [`https://local.test:${origin.httpsPort}/json`, 200],
    ]);
  });

  test('a PAC file picks the proxy per host (PROXY for *.corp.test, DIRECT otherwise)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pac-'));
    const pac = path.join(dir, 'proxy.pac');
    fs.writeFileSync(pac, `function FindProxyForURL(url, host) {\n  if (shExpMatch(host, "*.corp.test")) return "PROXY 127.0.0.1:${back.port}; DIRECT";\n  return "DIRECT";\n}\n`);
    try {
      await front.core.rules.store.save({ name: 'pac', action: { type: 'upstream-proxy', proxy: `pac+file://${pac}` } });
      const corp = await curl(front.proxyUrl, [origin.url('/json', { host: 'api.corp.test' })]);
      const other = await curl(front.proxyUrl, [origin.url('/json', { host: 'public.test' })]);
      assert.deepEqual([corp.status, other.status], [200, 200]);
      assert.deepEqual(carried(await front.finishedFlows(2)), [
        { url: origin.url('/json', { host: 'api.corp.test' }), status: 200, via: `http://127.0.0.1:${back.port} (from PAC file://${pac})`, applied: ['upstream-proxy'] },
        { url: origin.url('/json', { host: 'public.test' }), status: 200, via: undefined, applied: [] },
      ]);
      assert.equal((await back.finishedFlows(1)).length, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a PAC script that never returns is cut off and the exchange fails naming the rule', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pac-'));
    const pac = path.join(dir, 'loop.pac');
    fs.writeFileSync(pac, 'function FindProxyForURL(url, host) { while (true) {} }\n');
    try {
      await front.core.rules.store.save({ name: 'stuck pac', action: { type: 'upstream-proxy', proxy: `pac+file://${pac}` } });
      const r = await curl(front.proxyUrl, [origin.url('/json', { host: 'api.test' })]);
      assert.deepEqual([r.status, /^Hindsight: the PAC script of rule "stuck pac" failed: .*interrupted/.test(r.body)], [502, true]);
      const [flow] = await front.finishedFlows(1);
      assert.equal(flow.error?.phase, 'rule');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a passthrough tunnel goes through the upstream proxy too', async () => {
    await front.core.rules.store.save({ name: 'corp', action: { type: 'upstream-proxy', proxy: `http://127.0.0.1:${back.port}` } });
    await front.core.rules.store.save({ name: 'pinned', matchers: [{ type: 'host', host: 'pinned.test' }], action: { type: 'passthrough' } });
    // The front never decrypts; the back (a TLS-inspecting corporate proxy) answers with its certificate.
    const r = await curl(front.proxyUrl, [origin.url('/json', { secure: true, host: 'pinned.test' })], { caFile: backCa.file });
    assert.equal(r.status, 200);
    const [flow] = await front.finishedFlows(1);
    assert.deepEqual({ method: flow.request.method, via: flow.upstreamProxy, tunnel: !!flow.tunnel, server: flow.server }, { method: 'CONNECT', via: `http://127.0.0.1:${back.port}`, tunnel: true, server: { host: 'pinned.test', port: origin.httpsPort } });
  });

  test('an upstream proxy that is this Hindsight itself is refused on save naming action.proxy: editor, rules file and profile', async () => {
    const loop = `is this Hindsight itself (port ${front.port} is its own); traffic sent there would loop`;
    const fieldsOf = async (saving: Promise<unknown>) => {
      const err = (await saving.then(() => undefined, (e: Error & { fields?: unknown }) => e)) as (Error & { fields?: unknown }) | undefined;
      return err && { message: err.message, fields: err.fields };
    };
    // The rule editor's path (rules.save): loopback names and addresses, and the address the proxy listens on.
    const saves = [];
    for (const host of ['localhost', '127.0.0.1', '127.0.0.2', '[::1]']) {
      saves.push(await fieldsOf(front.core.rules.store.save({ name: 'oops', action: { type: 'upstream-proxy', proxy: `http://${host}:${front.port}` } })));
    }
    assert.deepEqual(saves, Array.from({ length: 4 }, () => ({ message: `invalid rule: action.proxy: ${loop}`, fields: [{ field: 'action.proxy', message: loop }] })));
    // Another Hindsight on this machine is a fine upstream proxy, and so is socks5h to it.
    await front.core.rules.store.save({ name: 'fine', action: { type: 'upstream-proxy', proxy: `socks5h://127.0.0.1:${back.port}` } });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-rules-'));
    try {
      // `serve --rules FILE`: an array of rules, and a device profile export.
      const rulesFile = path.join(dir, 'rules.json');
      fs.writeFileSync(rulesFile, JSON.stringify([{ name: 'loop', action: { type: 'upstream-proxy', proxy: `socks5://localhost:${front.port}` } }]));
      await assert.rejects(loadRulesFile(front.core.rules.store, rulesFile), { message: `${rulesFile}: refused, nothing was loaded:\n  rules[0].action.proxy: ${loop}` });
      const profileFile = path.join(dir, 'profile.json');
      fs.writeFileSync(profileFile, JSON.stringify({ format: PROFILE_EXPORT_FORMAT, version: PROFILE_EXPORT_VERSION, profile: { name: 'Phone', clients: ['127.0.0.2'] }, rules: [{ name: 'loop', matchers: [], action: { type: 'upstream-proxy', proxy: `http://127.0.0.1:${front.port}` } }] }));
      await assert.rejects(loadRulesFile(front.core.rules.store, profileFile), { message: `${profileFile}: refused, nothing was loaded:\n  rules[0].action.proxy: ${loop}` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(front.core.rules.store.list().map((r) => r.rule.name), ['fine']);
  });

  test('a PAC script that names this Hindsight itself gets a 508 with a clear error, not a loop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pac-'));
    const pac = path.join(dir, 'self.pac');
    fs.writeFileSync(pac, `function FindProxyForURL(url, host) { return "PROXY localhost:${front.port}"; }\n`);
    try {
      await front.core.rules.store.save({ name: 'oops', action: { type: 'upstream-proxy', proxy: `pac+file://${pac}` } });
      const r = await curl(front.proxyUrl, [origin.url('/json', { host: 'api.test' })]);
      const message = `the upstream proxy http://localhost:${front.port} of rule "oops" is this Hindsight itself; refusing to send traffic in a loop`;
      assert.deepEqual([r.status, r.body], [508, `Hindsight: ${message}\n`]);
      const flows = await front.finishedFlows(1);
      assert.deepEqual([flows.length, flows[0].error, origin.received.length], [1, { phase: 'rule', message }, 0]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an upstream proxy that is down fails the flow naming it', async () => {
    const closed = await origin.closedPort();
    await front.core.rules.store.save({ name: 'down', action: { type: 'upstream-proxy', proxy: `http://127.0.0.1:${closed}` } });
    const r = await curl(front.proxyUrl, [origin.url('/json', { host: 'api.test' })]);
    assert.equal(r.status, 502);
    const [flow] = await front.finishedFlows(1);
    assert.match(flow.error!.message, new RegExp(`through upstream proxy http://127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`));
  });
});
