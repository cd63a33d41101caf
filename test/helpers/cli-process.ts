/**
 * The CLI as a child process, from source (tsx), the way bin/hindsight.js runs the built CLI, and waiting
 * on what it prints. Used by the `hindsight serve` tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/**
 * Starts `hindsight serve ARGS` from source (tsx), the way bin/hindsight.js runs the built CLI. `prelude`:
 * JavaScript run in the child before the CLI starts (a probe a test installs).
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, prelude = ''): ChildProcess {
  const entry = `${prelude}\nrequire(${JSON.stringify(path.join(root, 'electron/cli/index.ts'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;
  return spawn(process.execPath, ['--import', 'tsx', '-e', entry, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with everything the stream printed once `done(text)` holds. */
export function waitFor(stream: NodeJS.ReadableStream, done: (text: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(text)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (done(text)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
  });
}

