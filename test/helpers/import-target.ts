/**
 * `hindsight import` into a running instance, in-process: a test core served as `hindsight serve` serves it
 * (the UI server with its POST /api/import, named by the lock file), and the command run with its output
 * collected.
 */
import { PassThrough } from 'node:stream';
import { run as runImport } from '../../electron/cli/import';
import { acquireLock } from '../../electron/core/instance/lock';
import { startUiServer, type UiServer } from '../../electron/core/server/ui-server';
import type { TestCore } from './core';

/** Serves the core's UI port and writes the lock; close() stops serving and releases the lock. */
export async function serveImports(core: TestCore): Promise<{ ui: UiServer; close(): Promise<void> }> {
  const ui = await startUiServer(core.core, { port: 0 });
  const lock = acquireLock(core.dataDir, { uiHost: '127.0.0.1', uiPort: ui.port, token: ui.token, proxyPort: core.port });
  return {
    ui,
    async close() {
      lock.release();
      await ui.close();
    },
  };
}

/** Runs `hindsight import ARGS` and collects its exit code and output. */
export async function importCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (d: Buffer) => (stdout += d.toString()));
  const err = new PassThrough().on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await runImport(args, { stdout: out, stderr: err } as never);
  return { code, stdout, stderr };
}
