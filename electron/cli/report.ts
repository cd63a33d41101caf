/**
 * `hindsight report endpoints|errors|coverage`: per-endpoint statistics, errors grouped by endpoint and
 * status, and endpoint coverage of a release, as a table, JSON, CSV or a self-contained HTML file. Reads
 * stored summaries only, never bodies: through the API of the running instance that holds the data dir
 * (the report is computed there), else from the store's files, or from a HAR file (`--har`). With `--store`
 * the flows and the device profiles (for --profile and the profile column) come from the team's database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FilterError, formatFilterError, compileFilter } from '../common/filter';
import type { OpenApiRoutes } from '../common/openapi-routes';
import { parseReleasePattern } from '../common/release';
import { REPORT_KINDS, type CoverageQuery, type Report, type ReportKind } from '../common/report';
import { connectToRunning, readLock } from '../core/instance/lock';
import { openFlowSource } from '../core/export/source';
import { dataPaths, defaultDataDir } from '../core/paths';
import { buildReport } from '../core/report/build';
import { reportCsv } from '../core/report/csv';
import { reportHtml } from '../core/report/html';
import { readOpenApiFile } from '../core/report/openapi-file';
import { harSummaries } from '../core/report/source';
import { storeReport } from '../core/report/store-report';
import type { DeviceProfile } from '../common/rule';
import { reportTable } from '../core/report/table';
import { RuleBook } from '../core/rules/rule-book';
import { PgRuleDocs } from '../core/rules/pg-rule-docs';
import { openPool } from '../core/store/pg/pg-db';
import { parseCommandArgs, type CliOutput } from './args';
import { STORE_FLAG, STORE_USAGE, storeUrlOf } from './store-flags';
import { parseTimeWindow } from './time-arg';
import { version } from './version';

export const usage = `Usage: hindsight report endpoints|errors|coverage [--data DIR | --store URL | --har FILE] [--filter EXPR] [--profile NAME] [--since T] [--until T]
                        [--openapi FILE] [--release-from PATTERN] [--release R] [--baseline N|openapi]
                        [--format table|json|csv|html] [--out FILE]

Reports over the stored flows (finished ones; bodies are never read):
  endpoints   per method + route template (/users/{id}): count, status classes, error rate, p50/p95/max
              latency, bytes, first/last seen, clients, device profiles, platforms
  errors      every 4xx/5xx and failed flow grouped by endpoint and status, with example flow ids
  coverage    which endpoints of a baseline a target exercised, per platform (iOS, Android, other), and the
              list of those it did not

  --data DIR            data folder (default: ${defaultDataDir()})
  --har FILE            read the flows of a HAR file (a browser's, Playwright's or a Hindsight export) instead
  --filter EXPR         only flows matching the filter, e.g. 'ip:127.0.0.2' or 'host:api.example.com'
  --profile NAME        only flows from the clients of this device profile
  --since T, --until T  only flows started in this window: 2026-12-04, 2026-12-04T09:00Z, epoch ms, or ago (2h, 7d)
  --openapi FILE        an OpenAPI 3 document (YAML or JSON): its path templates and operation names win
  --release-from P      coverage: read the app release from the User-Agent or a request header:
                        ua:/MyApp\\/(\\d+\\.\\d+)/  or  header:X-App-Version  (first group, else the whole match)
  --release R           coverage: the release under test (default: the newest one seen)
  --baseline N|openapi  coverage: compare with the previous N releases (default 3), or with every operation
                        of --openapi (the default when --openapi is given without --release-from); without
                        either the target is --filter/--since/--until and the baseline every other flow
  --format F            table (default), json, csv or html (one self-contained file with charts)
  --out FILE            write here instead of stdout
${STORE_USAGE}
  -h, --help            show this help`;

const FORMATS = ['table', 'json', 'csv', 'html'] as const;
type Format = (typeof FORMATS)[number];

interface ReportArgs {
  kind: ReportKind;
  dataDir: string;
  /** --store: the PostgreSQL store's URL. */
  storeUrl?: string;
  har?: string;
  query: CoverageQuery;
  spec?: OpenApiRoutes;
  openapiText?: string;
  format: Format;
  out?: string;
}

type Flags = Partial<Record<'data' | 'store' | 'har' | 'filter' | 'profile' | 'since' | 'until' | 'openapi' | 'release-from' | 'release' | 'baseline' | 'format' | 'out', string>>;

/** Checks every flag; throws an Error whose message names the bad one. */
function readArgs(positionals: string[], flags: Flags): ReportArgs {
  const [kind, ...extra] = positionals;
  if (!kind || !(REPORT_KINDS as readonly string[]).includes(kind)) throw new Error(`name a report: ${REPORT_KINDS.join(', ')}${kind ? ` (got '${kind}')` : ''}`);
  if (extra.length) throw new Error(`unexpected argument '${extra[0]}'`);
  const format = (flags.format ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got '${flags.format}'`);
  if (flags.har !== undefined && flags.data !== undefined) throw new Error('give either --data or --har, not both');
  const query: CoverageQuery = {};
  if (flags.filter) query.filter = flags.filter;
  if (flags.profile) query.profile = flags.profile;
  Object.assign(query, parseTimeWindow(flags, (end) => `--${end}`));
  const coverageOnly = (['release-from', 'release', 'baseline'] as const).find((f) => flags[f] !== undefined);
  if (coverageOnly && kind !== 'coverage') throw new Error(`--${coverageOnly} applies to the coverage report only`);
  const releaseFrom = flags['release-from'];
  if (releaseFrom !== undefined) {
    parseReleasePattern(releaseFrom);
    query.releaseFrom = releaseFrom;
  }
  if (flags.release !== undefined) query.release = flags.release;
  const baseline = flags.baseline;
  if (baseline !== undefined) {
    if (baseline === 'openapi') query.baseline = 'openapi';
    else if (/^\d+$/.test(baseline) && Number(baseline) >= 1 && Number(baseline) <= 1000) query.baseline = Number(baseline);
    else throw new Error(`--baseline expects a number of releases (1–1000) or 'openapi', got '${baseline}'`);
  }
  const args: ReportArgs = { kind: kind as ReportKind, dataDir: path.resolve(flags.data ?? defaultDataDir()), query, format };
  const storeUrl = storeUrlOf(flags.store);
  if (storeUrl) args.storeUrl = storeUrl;
  if (flags.har !== undefined) args.har = path.resolve(flags.har);
  if (flags.out !== undefined) args.out = path.resolve(flags.out);
  if (flags.openapi !== undefined) {
    args.spec = readOpenApiFile(flags.openapi);
    args.openapiText = fs.readFileSync(flags.openapi, 'utf8');
  }
  return args;
}

function render(report: Report, format: Format): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return reportCsv(report);
    case 'html':
      return reportHtml(report, { version });
    case 'table':
      return reportTable(report);
  }
}

/** The report computed where the flows are: in the running instance, or here from files. */
async function computeReport(args: ReportArgs): Promise<{ report: Report } | { problem: string }> {
  if (args.har) return { report: buildReport(args.kind, await harSummaries(args.har), args.query, { spec: args.spec }) };
  if (!args.storeUrl && readLock(args.dataDir)) {
    const client = await connectToRunning(args.dataDir);
    if (!client) return { problem: `a running hindsight holds ${args.dataDir}, but its API does not answer` };
    try {
      const params = { ...args.query, ...(args.openapiText ? { openapi: args.openapiText } : {}) };
      const report =
        args.kind === 'endpoints'
          ? await client.call('report.endpoints', withoutCoverage(params))
          : args.kind === 'errors'
            ? await client.call('report.errors', withoutCoverage(params))
            : await client.call('report.coverage', params);
      return { report };
    } finally {
      client.dispose();
    }
  }
  const opened = await openFlowSource(args.dataDir, args.storeUrl);
  if ('problem' in opened) return opened;
  try {
    const profiles = args.storeUrl ? await teamProfiles(args.dataDir, args.storeUrl) : await storedProfiles(args.dataDir);
    return { report: await storeReport(args.kind, opened.store ?? opened.source, args.query, { spec: args.spec, profiles }) };
  } finally {
    await opened.close();
  }
}

/** Device profiles of the data dir's rule book, when it has one (a report never creates it). */
async function storedProfiles(dataDir: string): Promise<DeviceProfile[]> {
  if (!fs.existsSync(dataPaths(dataDir).rulesDb)) return [];
  const rules = new RuleBook(dataDir);
  try {
    await rules.ready;
    return rules.profileList();
  } finally {
    await rules.close();
  }
}

/** Device profiles saved in a team's database (`--store`): the ones every node applies, not the data folder's. */
async function teamProfiles(dataDir: string, url: string): Promise<DeviceProfile[]> {
  const pool = openPool(url);
  // An idle client's error (the server going away) must not crash the command; the query reports it.
  pool.on('error', () => {});
  const rules = new RuleBook(dataDir, new PgRuleDocs(pool, url, () => {}));
  try {
    await rules.ready;
    return rules.profileList();
  } finally {
    await rules.close();
    await pool.end();
  }
}

function withoutCoverage(query: CoverageQuery): CoverageQuery {
  const { releaseFrom: _r, release: _v, baseline: _b, ...rest } = query;
  return rest;
}

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs(
    'report',
    argv,
    {
      data: { type: 'string' },
      ...STORE_FLAG,
      har: { type: 'string' },
      filter: { type: 'string' },
      profile: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      openapi: { type: 'string' },
      'release-from': { type: 'string' },
      release: { type: 'string' },
      baseline: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
    usage,
    out,
    true,
  );
  if (typeof parsed === 'number') return parsed;
  let args: ReportArgs;
  try {
    args = readArgs(parsed.positionals, parsed.values);
    compileFilter(args.query.filter ?? '');
  } catch (err) {
    if (err instanceof FilterError) {
      out.stderr.write(`hindsight report: bad filter\n${formatFilterError(parsed.values.filter ?? '', err)}\n`);
    } else {
      out.stderr.write(`hindsight report: ${(err as Error).message}\n\n${usage}\n`);
    }
    return 2;
  }
  let result: { report: Report } | { problem: string };
  try {
    result = await computeReport(args);
  } catch (err) {
    out.stderr.write(`hindsight report: ${(err as Error).message}\n`);
    return err instanceof Error && /^(ReportQueryError|ReleasePatternError|HarImportError)$/.test(err.name) ? 2 : 1;
  }
  if ('problem' in result) {
    out.stderr.write(`hindsight report: ${result.problem}\n`);
    return 1;
  }
  const text = render(result.report, args.format);
  if (args.out) {
    fs.writeFileSync(args.out, text, { mode: 0o600 });
    out.stderr.write(`hindsight report: ${args.kind} report written to ${args.out}\n`);
  } else {
    out.stdout.write(text);
  }
  return 0;
}
