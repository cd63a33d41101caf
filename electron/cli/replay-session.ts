/**
 * `hindsight replay --to URL` (or `--map FROM=TO`): the session replay. Every matching request goes to
 * another origin and its response is compared with the recorded one (electron/core/automation); prints a
 * summary per endpoint, writes --report FILE.json|FILE.html, exits 1 when any response differs or a
 * request could not be sent, 0 when all match: a CI job can gate a deployment on it.
 */
import type { ApiClient } from '../common/api';
import { allMatch, parseIgnore, type IgnoreSpec, type SessionReport } from '../common/session-report';
import { openInstance } from './open-instance';
import { replaySession, MAX_CONCURRENCY } from '../core/automation/session-replay';
import { reportFormatOf, writeReport } from '../core/automation/report-file';
import { parseHeaderOverride, parseMap, parseOrigin, TargetError, type Retarget } from '../core/automation/target';
import { apiSource, matchingIds } from '../core/export/source';
import type { CliOutput } from './args';
import { version } from './version';

export interface SessionFlags {
  to?: string;
  map?: string[];
  header?: string[];
  concurrency?: string;
  'delay-ms'?: string;
  report?: string;
  ignore?: string[];
}

export const SESSION_FLAG_NAMES = ['header', 'concurrency', 'delay-ms', 'report', 'ignore'] as const;

interface Checked {
  retarget: Retarget;
  ignore: IgnoreSpec;
  concurrency: number;
  delayMs: number;
}

function wholeNumber(text: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new TargetError(`${flag} expects a whole number from ${min} to ${max}, got '${text}'`);
  return n;
}

function check(flags: SessionFlags): Checked {
  const retarget: Retarget = {
    ...(flags.to !== undefined ? { to: parseOrigin(flags.to, '--to') } : {}),
    map: (flags.map ?? []).map(parseMap),
    headers: (flags.header ?? []).map(parseHeaderOverride),
  };
  let ignore: IgnoreSpec;
  try {
    ignore = parseIgnore(flags.ignore ?? []);
  } catch (err) {
    throw new TargetError(`--ignore: ${(err as Error).message}`);
  }
  if (flags.report !== undefined && !reportFormatOf(flags.report)) throw new TargetError(`--report must name a .json or .html file, got '${flags.report}'`);
  return {
    retarget,
    ignore,
    concurrency: wholeNumber(flags.concurrency, '--concurrency', 1, MAX_CONCURRENCY, 1),
    delayMs: wholeNumber(flags['delay-ms'], '--delay-ms', 0, 3_600_000, 0),
  };
}

export async function runSessionReplay(
  flags: SessionFlags,
  selection: { ids: string[] } | { filter: string },
  options: { dataDir: string; storeUrl?: string; rules: 'apply' | 'bypass'; allowTruncated: boolean; json: boolean },
  usage: string,
  out: CliOutput,
): Promise<number> {
  let checked: Checked;
  try {
    checked = check(flags);
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    out.stderr.write(`hindsight replay: ${err.message}\n\n${usage}\n`);
    return 2;
  }
  const opened = await openInstance(options.dataDir, { version, storeUrl: options.storeUrl });
  if ('problem' in opened) {
    out.stderr.write(`hindsight replay: ${opened.problem}\n`);
    return 1;
  }
  try {
    for (const w of opened.warnings) out.stderr.write(`hindsight replay: warning: ${w}\n`);
    const client: ApiClient = opened.client;
    const ids = 'ids' in selection ? selection.ids : await matchingIds(apiSource(client), selection.filter);
    if (ids.length === 0) {
      out.stderr.write('hindsight replay: no flows match the filter\n');
      return 0;
    }
    const report = await replaySession(client, ids, {
      ...checked,
      ignoreText: flags.ignore ?? [],
      rules: options.rules,
      allowTruncated: options.allowTruncated,
      describeA: 'ids' in selection ? `flows ${ids.join(', ')}` : `flows matching '${selection.filter}'`,
    });
    if (flags.report !== undefined) writeReport(flags.report, report);
    out.stdout.write(options.json ? `${JSON.stringify(report)}\n` : summaryText(report));
    return allMatch(report) ? 0 : 1;
  } finally {
    await opened.close();
  }
}

/** One line per endpoint with its counts, the differing pairs' first difference, and the totals. */
export function summaryText(r: SessionReport): string {
  const lines: string[] = [];
  for (const g of r.endpoints) {
    const changed = g.pairs.filter((p) => !p.same);
    const mark = changed.length + g.added.length + g.removed.length + g.notSent.length === 0 ? 'ok  ' : 'DIFF';
    lines.push(`${mark}  ${g.endpoint}  (${g.pairs.length - changed.length}/${g.pairs.length} same${g.added.length ? `, ${g.added.length} only in B` : ''}${g.removed.length ? `, ${g.removed.length} only in A` : ''}${g.notSent.length ? `, ${g.notSent.length} not sent` : ''})`);
    for (const p of changed) lines.push(`        ${p.a.url}: ${p.differences.map(briefly).join('; ')}`);
    for (const n of g.notSent) lines.push(`        ${n.a.url}: not sent: ${n.reason}`);
  }
  const t = r.totals;
  lines.push(`${t.pairs} compared: ${t.same} same, ${t.changed} changed${r.kind === 'diff' ? `, ${t.added} only in B, ${t.removed} only in A` : `, ${t.notSent} not sent`}`);
  return `${lines.join('\n')}\n`;
}

function briefly(d: SessionReport['endpoints'][number]['pairs'][number]['differences'][number]): string {
  const v = (x: unknown) => (x === undefined ? 'absent' : JSON.stringify(x).slice(0, 60));
  switch (d.kind) {
    case 'status':
      return `status ${v(d.a)} → ${v(d.b)}`;
    case 'error':
      return `error ${v(d.a)} → ${v(d.b)}`;
    case 'header':
      return `header ${d.name} ${v(d.a?.join(', '))} → ${v(d.b?.join(', '))}`;
    case 'json':
      return `${d.path} ${v(d.a)} → ${v(d.b)}`;
    case 'json-more':
      return `${d.count} more JSON changes`;
    case 'text':
      return `body: ${d.a.length} lines removed, ${d.b.length} added`;
    case 'binary':
      return `body bytes differ (${d.a.size} → ${d.b.size} bytes)`;
  }
}
