/**
 * `hindsight replay`: sends stored requests again, one after another, and prints the new flows. When a
 * running hindsight holds the data dir (its lock file), the replays go through its proxy and API, so the
 * new flows appear in its window; otherwise a core is started here for the duration (proxy on an ephemeral
 * loopback port, the data dir's own rules and CA) and the new flows are stored in the data dir.
 */
import path from 'node:path';
import type { ApiClient } from '../common/api';
import { compileFilter, FilterError, formatFilterError } from '../common/filter';
import type { FlowSummary } from '../common/flow';
import type { ReplayOutcome } from '../common/replay';
import { openInstance } from './open-instance';
import { apiSource, matchingIds } from '../core/export/source';
import { defaultDataDir } from '../core/paths';
import { parseCommandArgs, type CliOutput } from './args';
import { commandStoreUrl, STORE_FLAG, STORE_USAGE } from './store-flags';
import { runSessionReplay, SESSION_FLAG_NAMES } from './replay-session';
import { version } from './version';

export const usage = `Usage: hindsight replay [--data DIR | --store URL] (FLOW-ID… | --filter EXPR) [--bypass-rules] [--allow-truncated] [--json]
       hindsight replay … --to URL [--map FROM=TO …] [--header 'Name: value' …] [--concurrency N] [--delay-ms N]
                        [--report FILE.html|FILE.json] [--ignore NAME|$.json.path …]

Sends the stored requests again, one after another (with --filter, oldest first), exactly as they were
recorded, and prints the new flows. Each new flow is linked to the one it replays. When a running hindsight
holds the data folder, the requests go through it; otherwise a proxy is started here for the duration and
the new flows are stored in the data folder.

  --data DIR         data folder (default: ${defaultDataDir()})
  --filter EXPR      replay every flow matching the expression (see docs/FILTERS.md)
  --bypass-rules     send straight upstream: no map-remote, mock or breakpoint applies
  --allow-truncated  send a request whose stored body was cut at the body cap as far as it was stored
  --json             one JSON object (the new flow's summary) per line instead of a table
${STORE_USAGE}
  -h, --help         show this help

Session replay (--to or --map): each request goes to another origin (scheme, host and port replaced; path
and query kept) and its new response is compared with the recorded one. Prints the differences per
endpoint (method and route template, /users/{id}); exits 1 when any response differs or a request could not be sent, 0 when all match.

  --to URL           the origin to send every request to, e.g. https://staging.example.com:8443
  --map FROM=TO      send requests to origin FROM to origin TO instead (repeatable; wins over --to)
  --header 'N: v'    replace header N (or add it) on every request; 'N:' removes it (repeatable)
  --concurrency N    requests in flight at once (default 1: one after another, in capture order)
  --delay-ms N       wait N ms between the starts of two requests
  --report FILE      also write the report: FILE.json (the whole report) or FILE.html (self-contained)
  --ignore X         a response header name, or a JSON path such as '$.data.*.updatedAt', not to compare
                     (repeatable; Date, request ids and Set-Cookie expiries are never compared)
  --json             the whole report as one JSON object instead of the summary`;

/** Replays asked of a running instance per call: its answer comes when all are done, so keep it short. */
const BATCH = 50;

type Replayer = (ids: string[]) => Promise<ReplayOutcome[]>;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs(
    'replay',
    argv,
    {
      data: { type: 'string' },
      ...STORE_FLAG,
      filter: { type: 'string' },
      'bypass-rules': { type: 'boolean' },
      'allow-truncated': { type: 'boolean' },
      json: { type: 'boolean' },
      to: { type: 'string' },
      map: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      'delay-ms': { type: 'string' },
      report: { type: 'string' },
      ignore: { type: 'string', multiple: true },
    },
    usage,
    out,
    true,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const session = values.to !== undefined || values.map !== undefined;
  const sessionOnly = SESSION_FLAG_NAMES.find((name) => values[name] !== undefined);
  if (!session && sessionOnly) {
    out.stderr.write(`hindsight replay: --${sessionOnly} needs --to URL or --map FROM=TO\n\n${usage}\n`);
    return 2;
  }
  const filter = values.filter;
  if ((filter === undefined) === (positionals.length === 0)) {
    out.stderr.write(`hindsight replay: give flow ids or --filter EXPR (one of the two)\n\n${usage}\n`);
    return 2;
  }
  if (filter !== undefined) {
    try {
      compileFilter(filter);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      out.stderr.write(`hindsight replay: bad filter\n${formatFilterError(filter, err)}\n`);
      return 2;
    }
  }
  const store = commandStoreUrl('replay', values.store, out);
  if (typeof store === 'number') return store;
  const storeUrl = store.url;
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const options = { rules: values['bypass-rules'] ? ('bypass' as const) : ('apply' as const), allowTruncated: values['allow-truncated'] ?? false };
  if (session) {
    const selection = filter === undefined ? { ids: positionals } : { filter };
    return runSessionReplay(values, selection, { dataDir, storeUrl, ...options, json: values.json ?? false }, usage, out);
  }

  // The running instance's API when one holds the data dir, else a core started here for the duration.
  const opened = await openInstance(dataDir, { version, storeUrl });
  if ('problem' in opened) {
    out.stderr.write(`hindsight replay: ${opened.problem}\n`);
    return 1;
  }
  try {
    for (const w of opened.warnings) out.stderr.write(`hindsight replay: warning: ${w}\n`);
    const ids = filter === undefined ? positionals : await matchingIds(apiSource(opened.client), filter);
    return await replayAll(ids, (batch) => replayThrough(opened.client, batch, options), values.json ?? false, out);
  } finally {
    await opened.close();
  }
}

function replayThrough(client: ApiClient, ids: string[], options: { rules: 'apply' | 'bypass'; allowTruncated: boolean }): Promise<ReplayOutcome[]> {
  return client.call('flows.replay', { ids, ...options }).then((r) => r.results);
}

/** Replays in batches, printing JSON lines as they come (a table at the end); 1 when any could not be sent. */
async function replayAll(ids: string[], replay: Replayer, json: boolean, out: CliOutput): Promise<number> {
  if (ids.length === 0) {
    out.stderr.write('hindsight replay: no flows match the filter\n');
    return 0;
  }
  const flows: FlowSummary[] = [];
  let refused = 0;
  for (let i = 0; i < ids.length; i += BATCH) {
    for (const outcome of await replay(ids.slice(i, i + BATCH))) {
      if ('error' in outcome) {
        refused++;
        out.stderr.write(`hindsight replay: ${outcome.of}: ${outcome.error.message}\n`);
        continue;
      }
      flows.push(outcome.flow);
      if (json) out.stdout.write(`${JSON.stringify(outcome.flow)}\n`);
    }
  }
  if (!json && flows.length > 0) out.stdout.write(replayTable(flows));
  return refused > 0 ? 1 : 0;
}

const HEADER = ['FLOW', 'REPLAY OF', 'METHOD', 'STATUS', 'URL', 'DURATION'];

/** The new flows with their ids (for `hindsight flows`, the UI or a diff) and what each replays; URLs never cut. */
export function replayTable(flows: FlowSummary[]): string {
  const rows = [
    HEADER,
    ...flows.map((s) => [s.id, s.replayOf ?? '-', s.method, s.status !== undefined ? String(s.status) : s.error ? 'ERR' : '-', s.url, s.durationMs !== undefined ? `${Math.round(s.durationMs)} ms` : '-']),
  ];
  const widths = HEADER.map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ')).join('\n') + '\n';
}
