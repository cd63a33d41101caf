/**
 * Where a report reads summaries from: the live store (its in-memory summaries, paged through query()),
 * or a HAR file (a browser's, Playwright's, or a Hindsight export) read into summaries without a store.
 * Reports never read bodies, so neither source touches body files.
 */
import fs from 'node:fs';
import { toSummary, type FlowSummary } from '../../common/flow';
import { ipInAnyRange, parseIpRange, type IpRange } from '../../common/cidr';
import type { DeviceProfile } from '../../common/rule';
import { parseHar } from '../import/har';
import { ReportQueryError } from './flows';
import type { FlowPage, FlowQuery } from '../../common/api';
import { collectFlows } from '../../common/flow-pages';

/** Every stored summary, oldest first, paged through a store's query() or a FlowSource's (../export/source.ts). */
export async function allSummaries(query: (q: FlowQuery) => FlowPage | Promise<FlowPage>): Promise<FlowSummary[]> {
  return collectFlows(query);
}

/** The flows of a HAR file as summaries, oldest first; throws HarImportError naming a bad entry. */
export async function harSummaries(file: string): Promise<FlowSummary[]> {
  const har = await parseHar(fs.createReadStream(file));
  return har.flows.map(toSummary).sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq);
}

function rangesOf(profile: DeviceProfile): IpRange[] {
  return profile.clients.map(parseIpRange).flatMap((r) => (r.ok ? [r.range] : []));
}

/** The device profile (by name) a client IP is bound to; the first profile listing it wins. */
export function profileResolver(profiles: readonly DeviceProfile[]): (ip: string) => string | undefined {
  const ranges = profiles.map((p) => ({ name: p.name, ranges: rangesOf(p) }));
  const cache = new Map<string, string | undefined>();
  return (ip) => {
    if (cache.has(ip)) return cache.get(ip);
    const name = ranges.find((p) => ipInAnyRange(ip, p.ranges))?.name;
    cache.set(ip, name);
    return name;
  };
}

/** Whether an IP is a client of the profile named (by id, or by name ignoring case); throws when none is. */
export function profileMembers(profiles: readonly DeviceProfile[], wanted: string): (ip: string) => boolean {
  const profile = profiles.find((p) => p.id === wanted) ?? profiles.find((p) => p.name.toLowerCase() === wanted.toLowerCase());
  if (!profile) {
    throw new ReportQueryError(`no device profile named '${wanted}'${profiles.length ? `; profiles: ${profiles.map((p) => p.name).join(', ')}` : ''}`);
  }
  const ranges = rangesOf(profile);
  return (ip) => ipInAnyRange(ip, ranges);
}
