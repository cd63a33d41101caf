// `hindsight serve` as a user runs it: a real child process, curl through it to an HTTPS origin with the
// printed CA, the --log line on stdout, and a clean exit on SIGTERM. Flag checking runs in-process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { dataPaths } from '../../../electron/core/paths';
import { openFlowStore } from '../../../electron/core/store';
import { run } from '../../../electron/cli/serve';
import { startOrigin, type Origin } from '../../helpers/origin';
import { curl, pemFile } from '../capture/clients';
import { spawnCli, waitFor } from '../../helpers/cli-process';

const root = path.resolve(__dirname, '..', '..', '..');

let origin: Origin;
let originCa: ReturnType<typeof pemFile>;
before(async () => {
  origin = await startOrigin();
  originCa = pemFile(origin.caPem);
});
after(async () => {
  originCa.dispose();
  await origin.close();
});

describe('hindsight serve', () => {
  test('--log: curl with the printed CA fetches an HTTPS URL, the flow is one JSON line; SIGTERM exits 0', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    // The child verifies the origin against the origin's test CA, as any Node program would.
    const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--log'], { NODE_EXTRA_CA_CERTS: originCa.file });
    const exited = once(child, 'exit');
    try {
      const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
      const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)?.[1];
      const caPath = /^CA: +(\S+)/m.exec(banner)?.[1];
      const uiUrl = /^UI: +(\S+)/m.exec(banner)?.[1];
      assert.deepEqual(
        { proxy: !!proxyUrl, ca: caPath, ui: /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+$/.test(uiUrl ?? ''), data: banner.includes(`Data:   ${dataDir}`) },
        { proxy: true, ca: path.join(dataDir, 'ca', 'ca.pem'), ui: true, data: true },
      );
      const lock = JSON.parse(fs.readFileSync(dataPaths(dataDir).lockFile, 'utf8')) as { proxyPort: number; pid: number };
      assert.deepEqual({ port: lock.proxyPort, pid: lock.pid }, { port: Number(new URL(proxyUrl!).port), pid: child.pid });

      const url = `https://127.0.0.1:${origin.httpsPort}/json`;
      const logged = waitFor(child.stdout!, (t) => t.endsWith('\n'), 'a log line');
      const result = await curl(proxyUrl!, ['-A', 'serve-test', url], { caFile: caPath });
      assert.deepEqual({ status: result.status, body: result.body }, { status: 200, body: '{"hello":"world"}' });
      const line = JSON.parse(await logged);
      assert.deepEqual(
        { ...line, id: typeof line.id, time: typeof line.time, latencyMs: typeof line.latencyMs },
        { id: 'string', time: 'string', clientIp: '127.0.0.1', method: 'GET', url, status: 200, latencyMs: 'number', userAgent: 'serve-test', requestBytes: 0, responseBytes: 17, error: null },
      );

      child.kill('SIGTERM');
      const [code] = await exited;
      assert.deepEqual({ code, lockGone: !fs.existsSync(dataPaths(dataDir).lockFile) }, { code: 0, lockGone: true });
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('--upstream-ca FILE trusts a private CA for servers\' TLS; a missing or empty file is refused (exit 2)', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    // NODE_EXTRA_CA_CERTS emptied: only the flag makes the origin's test CA trusted.
    const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--upstream-ca', originCa.file], { NODE_EXTRA_CA_CERTS: '' });
    const exited = once(child, 'exit');
    try {
      const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
      const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)![1];
      const caPath = /^CA: +(\S+)/m.exec(banner)![1];
      const result = await curl(proxyUrl, [`https://127.0.0.1:${origin.httpsPort}/json`], { caFile: caPath });
      assert.deepEqual({ status: result.status, body: result.body }, { status: 200, body: '{"hello":"world"}' });
    } finally {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const refused = async (file: string) => {
      let stderr = '';
      const code = await run(['--port', '0', '--ui-port', '0', '--upstream-ca', file], { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } });
      return { code, stderr };
    };
    const missing = path.join(os.tmpdir(), 'hindsight-no-such-ca.pem');
    assert.deepEqual(
      { missing: await refused(missing), notPem: await refused(path.join(root, 'package.json')) },
      {
        missing: { code: 2, stderr: `hindsight serve: --upstream-ca: cannot read ${missing}: no such file\n` },
        notPem: { code: 2, stderr: `hindsight serve: --upstream-ca ${path.join(root, 'package.json')}: holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)\n` },
      },
    );
  });

  test('--inspect-relay 0: an inspector relay beside the proxy, its DevTools URL in the banner', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--inspect-relay', '0'], {});
    const exited = once(child, 'exit');
    try {
      const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
      const m = /^Inspect: devtools:\/\/devtools\/bundled\/js_app\.html\?experiments=true&v8only=true&ws=127\.0\.0\.1:(\d+)\/ {2}\(relay on 127\.0\.0\.1:\1, watching 9229-9250; VS Code: attach to port \1\)$/m.exec(banner);
      assert.ok(m, banner);
      // The relay answers like an inspector (whatever Node processes this machine runs on 9229–9250).
      const list = await fetch(`http://127.0.0.1:${m[1]}/json/list`);
      assert.deepEqual({ status: list.status, isList: Array.isArray(await list.json()) }, { status: 200, isList: true });
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('every flag is checked before anything starts', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', 'abc'], /--port expects a port number \(0–65535\), got 'abc'/],
      [['--ui-port', '70000'], /--ui-port expects a port number/],
      [['--host', 'not an address'], /--host expects an IP address/],
      [['--allow', '10.0.0.0/8,300.1.1.1'], /--allow 300\.1\.1\.1/],
      [['--reverse', 'ftp://x'], /--reverse: reverse target must look like/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['stray'], /Unexpected argument 'stray'/],
    ];
    for (const [argv, message] of cases) {
      let stderr = '';
      const code = await run(argv, { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } });
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, message);
    }
    let help = '';
    assert.equal(await run(['--help'], { stdout: { write: (t: string) => (help += t) }, stderr: { write: () => true } }), 0);
    assert.match(help, /^Usage: hindsight serve \[--port 8080\] \[--ui-port 8081\]/);
  });
});

test('--no-capture: curl through the proxy gets its answers over HTTP and HTTPS, and the data folder holds no flow', { timeout: 120_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--no-capture'], { NODE_EXTRA_CA_CERTS: originCa.file });
  const exited = once(child, 'exit');
  try {
    const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
    const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)![1];
    const caPath = /^CA: +(\S+)/m.exec(banner)![1];
    const plain = await curl(proxyUrl, [`http://127.0.0.1:${origin.httpPort}/json`]);
    const secure = await curl(proxyUrl, [`https://127.0.0.1:${origin.httpsPort}/json`], { caFile: caPath });
    child.kill('SIGTERM');
    const [code] = await exited;
    const store = openFlowStore({ dataDir });
    await store.ready;
    const stored = store.count();
    await store.close();
    assert.deepEqual(
      { line: /^Capture: off \(--no-capture\)/m.test(banner), plain: [plain.status, plain.body], secure: [secure.status, secure.body], code, stored },
      { line: true, plain: [200, '{"hello":"world"}'], secure: [200, '{"hello":"world"}'], code: 0, stored: 0 },
    );
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
