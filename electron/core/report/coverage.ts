/**
 * The coverage report: of the endpoints a baseline used (the previous N releases, or every operation of an
 * OpenAPI document, or every flow outside the target), how many the target (one release, or a filter or
 * time window) exercised, per platform (iOS, Android, other) and in total, and which it never touched.
 */
import type { FlowSummary } from '../../common/flow';
import { compareReleases, parseReleasePattern, PLATFORMS, releaseOf, type Platform } from '../../common/release';
import type { CoverageCount, CoverageQuery, CoverageReport, UncoveredEndpoint } from '../../common/report';
import type { Endpoint } from '../../common/route-template';
import type { ReportContext } from './endpoints';
import { byRoute, endpointResolver, isFinished, platformResolver, ReportQueryError, selectFlows } from './flows';

export const DEFAULT_BASELINE_RELEASES = 3;


interface BaselineEntry {
  endpoint: Endpoint;
  platforms: Set<Platform>;
  lastSeen: number | null;
  lastRelease?: string;
}

/**
 * `all` is every stored summary (the baseline may lie outside the query's filter); the query's filter and
 * window scope both sides when a release pattern splits them, and define the target otherwise.
 */
export function coverageReport(all: readonly FlowSummary[], query: CoverageQuery, context: ReportContext = {}): CoverageReport {
  const { spec } = context;
  const endpointOf = endpointResolver(spec);
  const platformOf = platformResolver();
  const baselineKind = query.baseline ?? (spec && !query.releaseFrom ? 'openapi' : DEFAULT_BASELINE_RELEASES);
  if (baselineKind === 'openapi' && !spec) throw new ReportQueryError('an OpenAPI baseline needs an OpenAPI document (--openapi FILE)');
  const scoped = selectFlows(all, query, context.inProfile);

  let target: FlowSummary[];
  let baselineFlows: FlowSummary[] = [];
  let releases: string[] | undefined;
  let targetRelease: string | undefined;
  let baselineReleases: string[] | undefined;
  const releaseByFlow = new Map<FlowSummary, string>();
  if (query.releaseFrom) {
    const pattern = parseReleasePattern(query.releaseFrom);
    const seen = new Set<string>();
    // A User-Agent pattern runs once per distinct User-Agent, not once per flow.
    const byAgent = new Map<string | undefined, string | undefined>();
    const releaseFor = (s: FlowSummary) => {
      if (pattern.from !== 'ua') return releaseOf(s, pattern);
      if (!byAgent.has(s.userAgent)) byAgent.set(s.userAgent, releaseOf(s, pattern));
      return byAgent.get(s.userAgent);
    };
    for (const s of scoped) {
      const release = releaseFor(s);
      if (release === undefined) continue;
      releaseByFlow.set(s, release);
      seen.add(release);
    }
    releases = [...seen].sort(compareReleases);
    if (releases.length === 0) throw new ReportQueryError(`no flow names a release with ${pattern.text}`);
    targetRelease = query.release ?? releases[releases.length - 1];
    const at = releases.indexOf(targetRelease);
    if (at < 0) throw new ReportQueryError(`release ${targetRelease} was not seen; releases seen: ${releases.join(', ')}`);
    target = scoped.filter((s) => releaseByFlow.get(s) === targetRelease);
    if (baselineKind !== 'openapi') {
      baselineReleases = releases.slice(Math.max(0, at - baselineKind), at);
      const wanted = new Set(baselineReleases);
      baselineFlows = scoped.filter((s) => wanted.has(releaseByFlow.get(s) ?? '\u0000'));
    }
  } else {
    if (query.release !== undefined) throw new ReportQueryError('a release needs a release pattern (--release-from)');
    target = scoped;
    if (baselineKind !== 'openapi') {
      const inTarget = new Set(target);
      baselineFlows = all.filter((s) => isFinished(s) && !inTarget.has(s));
    }
  }

  // What the target touched, per endpoint (keyed like the baseline), with the platforms that touched it.
  const keyOf = ({ endpoint: e, key }: { endpoint: Endpoint; key: string }) => (baselineKind === 'openapi' ? `${e.method} ${e.route}` : key);
  const touched = new Map<string, Set<Platform>>();
  const targetPlatforms = new Set<Platform>();
  for (const s of target) {
    const resolved = endpointOf(s);
    if (baselineKind === 'openapi' && !resolved.endpoint.operation) continue;
    const platform = platformOf(s.userAgent);
    targetPlatforms.add(platform);
    const key = keyOf(resolved);
    let platforms = touched.get(key);
    if (!platforms) touched.set(key, (platforms = new Set()));
    platforms.add(platform);
  }

  const baseline = new Map<string, BaselineEntry>();
  if (baselineKind === 'openapi') {
    // Every documented operation is expected from each platform the target was tested on.
    const expected = targetPlatforms.size ? targetPlatforms : new Set<Platform>(['other']);
    for (const op of spec!.operations) {
      baseline.set(`${op.method} ${op.route}`, { endpoint: { method: op.method, host: '', route: op.route, operation: op.operation }, platforms: new Set(expected), lastSeen: null });
    }
  } else {
    // Releases by their place in version order, so the newest is found with a number comparison.
    const order = new Map((releases ?? []).map((r, i) => [r, i]));
    for (const s of baselineFlows) {
      const resolved = endpointOf(s);
      const key = keyOf(resolved);
      let entry = baseline.get(key);
      if (!entry) baseline.set(key, (entry = { endpoint: resolved.endpoint, platforms: new Set(), lastSeen: null }));
      entry.platforms.add(platformOf(s.userAgent));
      if (entry.lastSeen === null || s.startedAt >= entry.lastSeen) entry.lastSeen = s.startedAt;
      const release = releaseByFlow.get(s);
      if (release !== undefined && (entry.lastRelease === undefined || order.get(release)! > order.get(entry.lastRelease)!)) entry.lastRelease = release;
    }
  }

  const count = (): CoverageCount => ({ covered: 0, total: 0 });
  const total = count();
  const platforms = { ios: count(), android: count(), other: count() } satisfies Record<Platform, CoverageCount>;
  const uncovered: UncoveredEndpoint[] = [];
  for (const [key, entry] of baseline) {
    const hit = touched.get(key);
    total.total++;
    if (hit) total.covered++;
    const missing: Platform[] = [];
    for (const p of PLATFORMS) {
      if (!entry.platforms.has(p)) continue;
      platforms[p].total++;
      if (hit?.has(p)) platforms[p].covered++;
      else missing.push(p);
    }
    if (missing.length) {
      const item: UncoveredEndpoint = { ...entry.endpoint, platforms: missing, lastSeen: entry.lastSeen };
      if (entry.lastRelease !== undefined) item.lastRelease = entry.lastRelease;
      uncovered.push(item);
    }
  }
  uncovered.sort(byRoute);

  const window = describeWindow(query);
  const report: CoverageReport = {
    kind: 'coverage',
    generatedAt: context.now ?? Date.now(),
    target: {
      description: targetRelease !== undefined ? `release ${targetRelease}${window}` : window ? `flows${window}` : 'every stored flow',
      flows: target.length,
    },
    baseline: {
      description:
        baselineKind === 'openapi'
          ? `every operation of ${spec!.title}`
          : baselineReleases
            ? baselineReleases.length ? `releases ${baselineReleases.join(', ')}` : 'no earlier release'
            : 'every other stored flow',
      flows: baselineFlows.length,
    },
    total,
    platforms,
    uncovered,
  };
  if (targetRelease !== undefined) report.target.release = targetRelease;
  if (baselineReleases) report.baseline.releases = baselineReleases;
  if (releases) report.releases = releases;
  if (spec) report.openapi = spec.title;
  return report;
}

function describeWindow(query: CoverageQuery): string {
  const parts: string[] = [];
  if (query.filter) parts.push(`filter "${query.filter}"`);
  if (query.since !== undefined) parts.push(`since ${new Date(query.since).toISOString()}`);
  if (query.until !== undefined) parts.push(`until ${new Date(query.until).toISOString()}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
