import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, connectToRunning, LockHeldError, readLock } from '../../../electron/core/instance/lock';
import { dataPaths } from '../../../electron/core/paths';
import { startUiServer } from '../../../electron/core/server/ui-server';
import { openTestCore } from '../api/harness';

/** The pid of a process that has exited (so it is certainly not alive now). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const info = { uiHost: '127.0.0.1', uiPort: 8081, token: 'tok', proxyPort: 8080 };

describe('lock file', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is written with mode 0600 and removed on release', () => {
    const file = dataPaths(dataDir).lockFile;
    const lock = acquireLock(dataDir, info);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    const mode = fs.statSync(file).mode & 0o777;
    const seen = readLock(dataDir);
    lock.release();
    assert.deepStrictEqual(
      { written, mode: mode.toString(8), seen, gone: !fs.existsSync(file), afterRelease: readLock(dataDir) },
      { written: { pid: process.pid, ...info, startedAt: lock.info.startedAt }, mode: '600', seen: lock.info, gone: true, afterRelease: null },
    );
  });

  it('replaces a stale lock and refuses one held by a live process', async () => {
    const file = dataPaths(dataDir).lockFile;
    fs.writeFileSync(file, JSON.stringify({ ...info, pid: await deadPid(), startedAt: 1 }));
    const stale = readLock(dataDir);
    const lock = acquireLock(dataDir, { ...info, token: 'mine' });
    const replaced = JSON.parse(fs.readFileSync(file, 'utf8'));
    lock.release();

    // Our parent (the test runner) is alive and is not us.
    fs.writeFileSync(file, JSON.stringify({ ...info, pid: process.ppid, startedAt: 1 }));
    let refused: unknown;
    try {
      acquireLock(dataDir, info);
    } catch (err) {
      refused = err;
    }
    assert.ok(refused instanceof LockHeldError);
    assert.deepStrictEqual(
      { stale, replaced: [replaced.pid, replaced.token], holder: refused.holder.pid, message: refused.message, untouched: JSON.parse(fs.readFileSync(file, 'utf8')).pid },
      {
        stale: null,
        replaced: [process.pid, 'mine'],
        holder: process.ppid,
        message: `the data dir is in use by hindsight (pid ${process.ppid}, UI port 8081)`,
        untouched: process.ppid,
      },
    );
  });

  it('release leaves a lock that another process took over', () => {
    const file = dataPaths(dataDir).lockFile;
    const lock = acquireLock(dataDir, info);
    fs.writeFileSync(file, JSON.stringify({ ...info, pid: process.ppid, token: 'theirs', startedAt: 2 }));
    lock.release();
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).token, 'theirs');
  });
});

describe('connectToRunning', () => {
  it('talks to the running instance named by the lock, and answers null when there is none', async () => {
    const t = await openTestCore();
    const ui = await startUiServer(t.core, { port: 0, rendererDir: path.join(t.dataDir, 'no-renderer') });
    try {
      const none = await connectToRunning(t.dataDir);
      const lock = acquireLock(t.dataDir, { uiHost: ui.host, uiPort: ui.port, token: ui.token, proxyPort: t.core.proxyAddress().port });
      const client = await connectToRunning(t.dataDir);
      assert.ok(client);
      const status = await client.call('status.get', {});
      client.dispose();
      lock.release();

      // A lock naming a live process whose server does not answer (wrong token) is treated as none.
      const wrong = acquireLock(t.dataDir, { uiHost: ui.host, uiPort: ui.port, token: 'wrong', proxyPort: 0 });
      const refused = await connectToRunning(t.dataDir);
      wrong.release();
      assert.deepStrictEqual({ none, dataDir: status.dataDir, refused }, { none: null, dataDir: t.dataDir, refused: null });
    } finally {
      await ui.close();
      await t.close();
    }
  });
});
