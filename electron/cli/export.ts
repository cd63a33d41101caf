/**
 * `hindsight export`: writes the stored flows matching a filter as HAR, Postman, curl commands or NDJSON
 * log lines, oldest first, streamed to a file or stdout. When a running hindsight holds the data dir, the
 * flows are read through its API; otherwise the store's files are opened here (no trim).
 * Files a format needs besides the document (binary request bodies for curl and Postman) are written
 * next to --out, or into the current folder when writing to stdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { compileFilter, FilterError, formatFilterError } from '../common/filter';
import type { Shell } from '../core/export/curl';
import { writeExport } from '../core/export/formats';
import { openFlowSource, sourceRecords } from '../core/export/source';
import { defaultDataDir } from '../core/paths';
import { commandStoreUrl, STORE_FLAG, STORE_USAGE } from './store-flags';
import { parseCommandArgs, type CliOutput } from './args';
import { fsErrorLine, isFsError } from './fs-errors';
import { writeOutputFile } from './output-file';
import { version } from './version';

export const usage = `Usage: hindsight export [--data DIR | --store URL] --format har|curl|postman|ndjson [--filter EXPR] [--out FILE] [--shell bash|cmd|powershell]

Writes the stored flows matching the filter, oldest first.

  --format F      har      HAR 1.2 with whole bodies (opens in browser devtools, Charles, Fiddler, …)
                  postman  Postman Collection v2.1, a folder and a host variable per origin
                  curl     one curl command per request (binary bodies go to body-<id>.bin files)
                  ndjson   one structured log line per flow
  --data DIR      data folder (default: ${defaultDataDir()})
  --filter EXPR   filter expression, e.g. 'host:api.example.com status:5xx' (default: every flow)
  --out FILE      write here instead of stdout; body files go beside it
  --shell S       for curl: bash (default), cmd or powershell
${STORE_USAGE}
  -h, --help      show this help`;

const FORMATS = ['har', 'curl', 'postman', 'ndjson'] as const;
type Format = (typeof FORMATS)[number];
const SHELLS: readonly Shell[] = ['bash', 'cmd', 'powershell'];

export async function run(argv: string[], out: CliOutput & { stdoutStream?: Writable } = process): Promise<number> {
  const parsed = parseCommandArgs(
    'export',
    argv,
    {
      data: { type: 'string' },
      format: { type: 'string' },
      filter: { type: 'string' },
      out: { type: 'string' },
      shell: { type: 'string' },
      ...STORE_FLAG,
    },
    usage,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const format = values.format as Format | undefined;
  if (!format || !FORMATS.includes(format)) {
    out.stderr.write(`hindsight export: --format must be one of ${FORMATS.join(', ')}${values.format ? `, got '${values.format}'` : ''}\n\n${usage}\n`);
    return 2;
  }
  const shell = (values.shell ?? 'bash') as Shell;
  if (!SHELLS.includes(shell)) {
    out.stderr.write(`hindsight export: --shell must be one of ${SHELLS.join(', ')}, got '${values.shell}'\n`);
    return 2;
  }
  const filter = values.filter ?? '';
  try {
    compileFilter(filter);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    out.stderr.write(`hindsight export: bad filter\n${formatFilterError(filter, err)}\n`);
    return 2;
  }
  const store = commandStoreUrl('export', values.store, out);
  if (typeof store === 'number') return store;
  const storeUrl = store.url;
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const outFile = values.out ? path.resolve(values.out) : undefined;
  const filesDir = outFile ? path.dirname(outFile) : process.cwd();
  const writeFile = (name: string, bytes: Buffer) => fs.promises.writeFile(path.join(filesDir, name), bytes);

  const opened = await openFlowSource(dataDir, storeUrl);
  if ('problem' in opened) {
    out.stderr.write(`hindsight export: ${opened.problem}\n`);
    return 1;
  }
  for (const w of opened.warnings) out.stderr.write(`hindsight export: warning: ${w}\n`);
  const exportTo = (target: Writable) => writeExport(format, (sides) => sourceRecords(opened.source, filter, sides), target, { shell, version, writeFile });
  try {
    const { count } = outFile ? await writeOutputFile(outFile, exportTo) : await exportTo(out.stdoutStream ?? process.stdout);
    out.stderr.write(`hindsight export: ${count} flow${count === 1 ? '' : 's'} written${outFile ? ` to ${outFile}` : ''}\n`);
    return 0;
  } catch (err) {
    out.stderr.write(`hindsight export: ${isFsError(err) ? fsErrorLine(err, 'write', err.path ?? outFile ?? 'the standard output') : (err as Error).message}\n`);
    return 1;
  } finally {
    await opened.close();
  }
}
