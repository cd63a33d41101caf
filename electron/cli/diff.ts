/**
 * `hindsight diff A B`: compares two recorded sessions without sending anything. A and B are HAR files or
 * filters over the stored flows (electron/core/automation/session-diff.ts says which is which); exchanges
 * pair up by method, endpoint and request body, in order; the report lists added, removed and changed
 * exchanges like `hindsight replay --to`, with the same --report formats and exit codes.
 */
import path from 'node:path';
import { compileFilter, FilterError, formatFilterError } from '../common/filter';
import { allMatch, parseIgnore, type IgnoreSpec } from '../common/session-report';
import { HarImportError } from '../core/import/har';
import { diffSessions, harSession, SessionDiffError, sideSpec, storedSession, type Session, type SideSpec } from '../core/automation/session-diff';
import { reportFormatOf, writeReport } from '../core/automation/report-file';
import { openFlowSource, type OpenedSource } from '../core/export/source';
import { defaultDataDir } from '../core/paths';
import { parseCommandArgs, type CliOutput } from './args';
import { summaryText } from './replay-session';

export const usage = `Usage: hindsight diff [--data DIR] [--ignore NAME|$.json.path …] [--report FILE.html|FILE.json] [--json] A B

Compares two recorded sessions without sending anything. A and B are each a HAR file or a filter over the
stored flows: a path to an existing file (or har:PATH) is a HAR, anything else (or filter:EXPR) a filter.
Exchanges pair up by method, exact path and a fingerprint of the request body, in order; the report,
grouped by endpoint (method and route template, /users/{id}), lists the exchanges only in A, only in B, and
every difference of the paired responses (status, headers, JSON paths, text lines, bytes). Exits 1 when
anything differs, 0 when the sessions answer alike.

  --data DIR      data folder for filters (default: ${defaultDataDir()})
  --ignore X      a response header name, or a JSON path such as '$.data.*.updatedAt', not to compare
                  (repeatable; Date, request ids and Set-Cookie expiries are never compared)
  --report FILE   also write the report: FILE.json (the whole report) or FILE.html (self-contained)
  --json          the whole report as one JSON object instead of the summary
  -h, --help      show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs(
    'diff',
    argv,
    { data: { type: 'string' }, ignore: { type: 'string', multiple: true }, report: { type: 'string' }, json: { type: 'boolean' } },
    usage,
    out,
    true,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const fail = (message: string, code = 2) => {
    out.stderr.write(`hindsight diff: ${message}${code === 2 ? `\n\n${usage}` : ''}\n`);
    return code;
  };
  if (positionals.length !== 2) return fail(`expected two sessions A and B, got ${positionals.length}`);
  let ignore: IgnoreSpec;
  let specs: SideSpec[];
  try {
    ignore = parseIgnore(values.ignore ?? []);
    specs = positionals.map(sideSpec);
  } catch (err) {
    return fail(err instanceof SessionDiffError ? err.message : `--ignore: ${(err as Error).message}`);
  }
  for (const spec of specs) {
    if (spec.kind !== 'filter') continue;
    try {
      compileFilter(spec.filter);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      return fail(`bad filter\n${formatFilterError(spec.filter, err)}`);
    }
  }
  if (values.report !== undefined && !reportFormatOf(values.report)) return fail(`--report must name a .json or .html file, got '${values.report}'`);

  let opened: OpenedSource | undefined;
  try {
    const sessions: Session[] = [];
    for (const spec of specs) {
      if (spec.kind === 'har') {
        sessions.push(await harSession(spec.path));
        continue;
      }
      if (!opened) {
        const dataDir = path.resolve(values.data ?? defaultDataDir());
        const o = await openFlowSource(dataDir);
        if ('problem' in o) return fail(o.problem, 1);
        opened = o;
        for (const w of o.warnings) out.stderr.write(`hindsight diff: warning: ${w}\n`);
      }
      sessions.push(await storedSession(opened.source, spec.filter));
    }
    const report = await diffSessions(sessions[0], sessions[1], ignore, values.ignore ?? []);
    if (values.report !== undefined) writeReport(values.report, report);
    out.stdout.write(values.json ? `${JSON.stringify(report)}\n` : summaryText(report));
    return allMatch(report) ? 0 : 1;
  } catch (err) {
    if (err instanceof HarImportError) return fail(err.message, 1);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return fail(`cannot read ${(err as Error).message}`, 1);
    throw err;
  } finally {
    await opened?.close();
  }
}
