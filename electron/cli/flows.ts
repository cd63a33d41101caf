/**
 * `hindsight flows`: lists stored flows as a table or as JSON lines, filtered with the filter language.
 * When a running `hindsight serve` (or the desktop app) holds the data dir, its lock file names its API and
 * the flows are asked from it; otherwise the store's files are opened here, read-only in effect (no trim).
 */
import path from 'node:path';
import { compileFilter, FilterError, formatFilterError } from '../common/filter';
import type { FlowSummary } from '../common/flow';
import { collectFlows } from '../common/flow-pages';
import { openFlowSource } from '../core/export/source';
import { defaultDataDir } from '../core/paths';
import { parseCommandArgs, type CliOutput } from './args';
import { commandStoreUrl, STORE_FLAG, STORE_USAGE } from './store-flags';

export const usage = `Usage: hindsight flows [--data DIR | --store URL] [--filter EXPR] [--json] [--limit N]

Lists captured flows, oldest first (with --limit, the newest N). When a running hindsight holds the data
folder, it is asked; otherwise the flow store is read directly.

  --data DIR      data folder (default: ${defaultDataDir()})
  --filter EXPR   filter expression, e.g. 'ip:127.0.0.2 url:/api\\/v[12]/ status:5xx' (see docs/FILTERS.md)
  --json          one JSON object (the flow summary) per line instead of a table
  --limit N       only the newest N matching flows
${STORE_USAGE}
  -h, --help      show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs(
    'flows',
    argv,
    {
      data: { type: 'string' },
      filter: { type: 'string' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      ...STORE_FLAG,
    },
    usage,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (!Number.isSafeInteger(limit) && limit !== Infinity) {
    out.stderr.write(`hindsight flows: --limit expects a whole number, got '${values.limit}'\n`);
    return 2;
  }
  if (limit < 1) {
    out.stderr.write(`hindsight flows: --limit must be at least 1\n`);
    return 2;
  }
  const filter = values.filter ?? '';
  try {
    // Checked here first, so a bad expression reads the same whether the files or a running instance answer.
    compileFilter(filter);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    out.stderr.write(`hindsight flows: bad filter\n${formatFilterError(filter, err)}\n`);
    return 2;
  }
  const store = commandStoreUrl('flows', values.store, out);
  if (typeof store === 'number') return store;
  const storeUrl = store.url;
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const format = values.json ? (s: FlowSummary) => JSON.stringify(s) : undefined;

  // The running instance's API when one holds the data dir, else the store's files (export uses the same).
  const opened = await openFlowSource(dataDir, storeUrl);
  if ('problem' in opened) {
    out.stderr.write(`hindsight flows: ${opened.problem}\n`);
    // Nothing stored yet is an empty listing, not an error; an instance that does not answer is, and so is
    // a data folder that is not one.
    return opened.nothingStored ? 0 : 1;
  }
  try {
    for (const w of opened.warnings) out.stderr.write(`hindsight flows: warning: ${w}\n`);
    print(await collectFlows((q) => opened.source.query(q), { filter, limit }), format, out);
  } finally {
    await opened.close();
  }
  return 0;
}

function print(flows: FlowSummary[], format: ((s: FlowSummary) => string) | undefined, out: CliOutput): void {
  if (format) {
    for (const s of flows) out.stdout.write(`${format(s)}\n`);
    return;
  }
  out.stdout.write(formatTable(flows));
}

const HEADER = ['TIME', 'CLIENT', 'METHOD', 'STATUS', 'URL', 'DURATION'];

/** Columns padded to their widest cell; URLs are never cut. */
export function formatTable(flows: FlowSummary[]): string {
  const rows = [HEADER, ...flows.map(tableRow)];
  const widths = HEADER.map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ')).join('\n') + '\n';
}

function tableRow(s: FlowSummary): string[] {
  // A paused response has its status already, but the client has not got it: paused says what is going on.
  const status = s.state === 'intercepted' ? 'PAUSED' : s.status !== undefined ? String(s.status) : s.error ? 'ERR' : '-';
  const duration = s.durationMs !== undefined ? `${Math.round(s.durationMs)} ms` : '-';
  return [localTime(s.startedAt), s.clientIp, s.method, status, s.url, duration];
}

/** `2026-11-21 12:35:44.123` in local time: readable and sortable. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
