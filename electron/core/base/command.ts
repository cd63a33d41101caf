/**
 * Running OS tools (reg, networksetup, gsettings, certutil …) always as a file plus an argument array
 * through execFile, never a shell string, so a proxy host or certificate path can never become a command.
 * Backends take a CommandRunner so tests can assert the exact sequence they would run on another OS.
 */
import { execFile } from 'node:child_process';
import { quoteBash, quoteCmd } from '../../common/shell-quote';

export interface CommandResult {
  /** Exit code; -1 when the program could not be started (ENOENT …). */
  code: number;
  stdout: string;
  stderr: string;
}
export type CommandRunner = (file: string, args: readonly string[], options?: { env?: NodeJS.ProcessEnv }) => Promise<CommandResult>;

export function createCommandRunner(baseEnv: NodeJS.ProcessEnv = process.env): CommandRunner {
  return (file, args, options) =>
    new Promise((resolve) => {
      execFile(
        file,
        [...args],
        { env: { ...baseEnv, ...options?.env }, windowsHide: true, timeout: 30_000, maxBuffer: 8 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) return resolve({ code: 0, stdout, stderr });
          const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
          resolve({ code, stdout: stdout ?? '', stderr: stderr || err.message });
        },
      );
    });
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`${[file, ...args].join(' ')} failed (${result.code === -1 ? 'could not start' : `exit ${result.code}`}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/** Runs and throws CommandError on a non-zero exit; returns stdout. */
export async function runChecked(run: CommandRunner, file: string, args: readonly string[], options?: { env?: NodeJS.ProcessEnv }): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new CommandError(file, args, result);
  return result.stdout;
}

/** How a user would type the command, quoted for cmd.exe on Windows and a POSIX shell elsewhere ("copy this command"). */
export function displayCommand(file: string, args: readonly string[], platform: NodeJS.Platform = process.platform): string {
  const quote = platform === 'win32' ? quoteCmd : quoteBash;
  return [file, ...args].map(quote).join(' ');
}
