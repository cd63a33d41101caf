/**
 * The error report: every 4xx, 5xx and failed exchange, grouped by endpoint and status, with when it
 * happened and the newest few flow ids to open.
 */
import type { FlowSummary } from '../../common/flow';
import type { ErrorGroup, ErrorReport } from '../../common/report';
import { isError, type ReportContext } from './endpoints';
import { byRoute, endpointResolver } from './flows';

/** Example flow ids kept per group. */
export const ERROR_EXAMPLES = 5;

/** `flows` are finished summaries, oldest first (selectFlows). */
export function errorReport(flows: readonly FlowSummary[], context: ReportContext = {}): ErrorReport {
  const endpointOf = endpointResolver(context.spec);
  const groups = new Map<string, ErrorGroup>();
  let errors = 0;
  for (const s of flows) {
    if (!isError(s)) continue;
    errors++;
    const { endpoint, key: endpointKey } = endpointOf(s);
    const status = s.state === 'failed' || s.status === undefined ? null : s.status;
    const key = `${endpointKey} ${status ?? 'failed'}`;
    let group = groups.get(key);
    if (!group) {
      group = { ...endpoint, status, count: 0, firstSeen: s.startedAt, lastSeen: s.startedAt, examples: [] };
      groups.set(key, group);
    }
    group.count++;
    if (s.startedAt < group.firstSeen) group.firstSeen = s.startedAt;
    if (s.startedAt >= group.lastSeen) {
      group.lastSeen = s.startedAt;
      if (s.error) group.error = s.error;
    }
    // Oldest first in, newest first out: keep the last few seen.
    group.examples.unshift(s.id);
    if (group.examples.length > ERROR_EXAMPLES) group.examples.pop();
  }
  const list = [...groups.values()].sort(byErrorCount);
  const report: ErrorReport = { kind: 'errors', generatedAt: context.now ?? Date.now(), flows: flows.length, errors, groups: list };
  if (context.spec) report.openapi = context.spec.title;
  return report;
}

/** Orders error groups for display: most errors first, then by route and status. */
export function byErrorCount(a: ErrorGroup, b: ErrorGroup): number {
  return b.count - a.count || byRoute(a, b) || (a.status ?? 0) - (b.status ?? 0);
}
