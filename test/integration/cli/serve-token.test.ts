// The UI token is kept per data folder (issue 13): a restarted `hindsight serve` prints the same UI URL, so
// an open tab reconnects; `--rotate-token` replaces it and says so. The token file is owner-only, and the
// token never appears in a request URL: the CLI reaches the running instance with a Bearer header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectToRunning } from '../../../electron/core/instance/lock';
import { uiTokenFile } from '../../../electron/core/server/ui-token';

const root = path.resolve(__dirname, '..', '..', '..');

/** Runs `hindsight serve` from source until its banner, then, after `during`, stops it; returns the banner. */
async function serveOnce(args: string[], during: () => Promise<unknown> = async () => {}): Promise<{ banner: string; during: unknown }> {
  const entry = `require(${JSON.stringify(path.join(root, 'electron/cli/index.ts'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, 'serve', '--port', '0', '--ui-port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  try {
    let banner = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${banner}`)), 60_000);
      child.stderr!.on('data', (c: Buffer) => {
        banner += c.toString();
        if (banner.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const result = await during();
    return { banner, during: result };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const tokenOf = (banner: string) => /^UI: +\S+#token=([\w-]+)$/m.exec(banner)?.[1];

test('serve keeps its UI token across restarts, --rotate-token replaces it, and the CLI uses it from the lock', { timeout: 180_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  try {
    const first = await serveOnce(['--data', dataDir], async () => {
      const client = await connectToRunning(dataDir);
      const status = await client?.call('status.get', {});
      client?.dispose();
      return status?.version;
    });
    const second = await serveOnce(['--data', dataDir]);
    const rotated = await serveOnce(['--data', dataDir, '--rotate-token']);
    const [a, b, c] = [first, second, rotated].map((r) => tokenOf(r.banner));
    assert.deepEqual(
      {
        tokenShown: typeof a === 'string' && a.length === 43,
        sameAfterRestart: a === b,
        changedByRotate: c !== a,
        rotateSaid: rotated.banner.includes('UI token: replaced; tabs and scripts holding the old one need the new UI URL'),
        fileHoldsCurrent: fs.readFileSync(uiTokenFile(dataDir), 'utf8').trim() === c,
        fileMode: (fs.statSync(uiTokenFile(dataDir)).mode & 0o777).toString(8),
        cliReachedInstance: typeof first.during === 'string',
      },
      { tokenShown: true, sameAfterRestart: true, changedByRotate: true, rotateSaid: true, fileHoldsCurrent: true, fileMode: '600', cliReachedInstance: true },
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
