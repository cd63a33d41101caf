/**
 * `hindsight serve` log switches as a deployment uses them, in a real child process: HINDSIGHT_LOG=off
 * silences --log-bodies, and --log-file survives a logrotate-style rename + SIGHUP without losing a line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseServeArgs } from '../../../electron/cli/serve';
import { spawnCli, waitFor } from '../../helpers/cli-process';
import { startOrigin, type Origin } from '../../helpers/origin';

let origin: Origin;
const dirs: string[] = [];
before(async () => {
  origin = await startOrigin();
});
after(async () => {
  await origin.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  dirs.push(dir);
  return dir;
}

/** GET through the proxy (plain HTTP, absolute form) to the origin's /json. */
function get(proxyPort: number, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: `http://127.0.0.1:${origin.httpPort}/json?${query}`, agent: false });
    req.on('response', (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
    req.on('error', reject);
    req.end();
  });
}

async function startServe(args: string[], env: NodeJS.ProcessEnv = {}) {
  const dataDir = tempDir();
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, ...args], { HINDSIGHT_LOG: '', ...env });
  const exited = once(child, 'exit');
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
  const port = Number(/^Proxy: +http:\/\/127\.0\.0\.1:(\d+)/m.exec(banner)?.[1]);
  return {
    child,
    banner,
    port,
    stdout: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

test('HINDSIGHT_LOG=off turns --log-bodies off; =bodies turns it on without the flag; a bad value exits 2', () => {
  const env = (value: string) => ({ HINDSIGHT_LOG: value });
  const pick = (argv: string[], e: Record<string, string>) => {
    const o = parseServeArgs(argv, e);
    return o === 'help' ? o : { log: o.log, logBodyBytes: o.logBodyBytes, logFile: o.logFile };
  };
  assert.deepEqual(
    [
      pick(['--log-bodies'], {}),
      pick(['--log-bodies', '8', '--log'], {}),
      pick(['--log-bodies', '--log-file', '/tmp/x.log'], env('off')),
      pick(['--log-bodies'], env('on')),
      pick([], env('bodies')),
      pick(['--log-file', 'x.log'], {}),
    ],
    [
      { log: true, logBodyBytes: 65536, logFile: undefined },
      { log: true, logBodyBytes: 8192, logFile: undefined },
      { log: false, logBodyBytes: undefined, logFile: undefined },
      { log: true, logBodyBytes: undefined, logFile: undefined },
      { log: true, logBodyBytes: 65536, logFile: undefined },
      { log: true, logBodyBytes: undefined, logFile: path.resolve('x.log') },
    ],
  );
  assert.throws(() => parseServeArgs([], env('verbose')), /^Error: HINDSIGHT_LOG must be one of off, on, bodies, got 'verbose'$/);
  assert.throws(() => parseServeArgs(['--log-bodies=lots'], {}), /--log-bodies expects a size in kilobytes/);
});

test('HINDSIGHT_LOG=off: a serve started with --log-bodies prints no line', { timeout: 120_000 }, async () => {
  const serve = await startServe(['--log-bodies'], { HINDSIGHT_LOG: 'off' });
  try {
    assert.doesNotMatch(serve.banner, /^Log:/m);
    assert.equal(await get(serve.port, 'a=1'), 200);
  } finally {
    // Stopping writes every pending line before exit, so nothing on stdout means no line at all.
    assert.equal(await serve.stop(), 0);
  }
  assert.equal(serve.stdout(), '');
});

test('--log-file: 0600, one line per request, and a rename + SIGHUP loses no line', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const logFile = path.join(dir, 'hindsight.log');
  const serve = await startServe(['--log-bodies', '--log-file', logFile]);
  const rotated = `${logFile}.1`;
  try {
    assert.match(serve.banner, new RegExp(`^Log: +one JSON line per flow with bodies up to 64 KB, secrets masked, to ${logFile.replace(/[.]/g, '\\.')}$`, 'm'));
    for (let i = 0; i < 30; i++) {
      if (i === 15) {
        // What logrotate does: move the file away, then tell the process to reopen its log.
        fs.renameSync(logFile, rotated);
        serve.child.kill('SIGHUP');
      }
      assert.equal(await get(serve.port, `n=${i}`), 200);
    }
  } finally {
    assert.equal(await serve.stop(), 0);
  }
  assert.equal(serve.stdout(), '');
  const read = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { query: string; responseBody: string });
  const before = read(rotated);
  const after = read(logFile);
  assert.deepEqual([...before, ...after].map((l) => l.query), Array.from({ length: 30 }, (_, i) => `n=${i}`));
  assert.ok(after.length > 0, 'lines after the SIGHUP go to the new file');
  assert.equal(before[0].responseBody, '{"hello":"world"}');
  assert.deepEqual([fs.statSync(rotated).mode & 0o777, fs.statSync(logFile).mode & 0o777], [0o600, 0o600]);
});
