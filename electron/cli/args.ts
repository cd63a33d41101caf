/**
 * One way for every `hindsight` command to read its flags: node:util's parseArgs in strict mode, plus the
 * two answers every command gives the same way — `--help` prints the usage (exit 0), a bad flag prints the
 * reason and the usage (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where output goes; process.stdout/stderr by default, a collector in tests. */
export interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>>;

/**
 * Parses `argv` for `command`; `-h/--help` is added to `options`. Returns the parsed flags, or the exit code
 * when the command is already answered (help shown, or a bad flag reported).
 */
export function parseCommandArgs<O extends Options, P extends boolean = false>(
  command: string,
  argv: string[],
  options: O,
  usage: string,
  out: CliOutput,
  allowPositionals?: P,
): Parsed<O & { help: { type: 'boolean'; short: 'h' } }, P> | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } },
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
    });
  } catch (err) {
    out.stderr.write(`hindsight ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    out.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}
