// `hindsight serve` as a user runs it: a real child process, curl through it to an HTTPS origin with the
// printed CA, the --log line on stdout, and a clean exit on SIGTERM. Flag checking runs in-process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { dataPaths } from '../../../electron/core/paths';
import { run } from '../../../electron/cli/serve';
import { startOrigin, type Origin } from '../../helpers/origin';
import { curl, pemFile } from '../capture/clients';
import { spawnCli, waitFor } from '../../helpers/cli-process';

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
