/**
 * The coverage report: of the endpoints a baseline used (the previous N releases, or every operation of an
 * OpenAPI document, or every flow outside the target), how many the target (one release, or a filter or
 * time window) exercised, per platform (iOS, Android, other) and in total, and which it never touched.
 */
import type { FlowSummary } from '../../common/flow';
import { compareReleases, parseReleasePattern, PLATFORMS, releaseOf, type Platform, type ReleasePattern } from '../../common/release';
import type { CoverageCount, CoverageQuery, CoverageReport, UncoveredEndpoint } from '../../common/report';
import type { Endpoint } from '../../common/route-template';
import type { ReportContext } from './endpoints';
import { byRoute, endpointResolver, isFinished, platformResolver, ReportQueryError, selectFlows, type ResolvedEndpoint } from './flows';

export const DEFAULT_BASELINE_RELEASES = 3;

/** What the target is compared with: the previous N releases, or the OpenAPI document's operations. */
export type BaselineKind = number | 'openapi';

interface BaselineEntry {
  endpoint: Endpoint;
  platforms: Set<Platform>;
  lastSeen: number | null;
  lastRelease?: string;
}

/** The releases a coverage report compares, from a release pattern. */
export interface ReleasePlan {
  /** Every release seen, in version order. */
  releases: string[];
  target: string;
  /** The releases before the target (a release baseline), oldest first. */
  baseline?: string[];
}

/**
 * What a coverage report counts, gathered flow by flow from summaries here or group by group in SQL
 * (pg-coverage.ts), then turned into the report by coverageOf.
 */
export interface CoverageTally {
  kind: BaselineKind;
  /** Flows in the target and in the baseline. */
  targetFlows: number;
  baselineFlows: number;
  /** Endpoints the target touched (keyed as the baseline is), with the platforms that touched them. */
  touched: Map<string, Set<Platform>>;
  targetPlatforms: Set<Platform>;
  /** Endpoints the baseline flows used, in the order they first appear. */
  baseline: Map<string, BaselineEntry>;
  /** Each release's place in version order, so the newest is found with a number comparison. */
  releaseOrder: Map<string, number>;
}

/** The query's baseline kind; throws when an OpenAPI baseline has no document. */
export function baselineKindOf(query: CoverageQuery, spec: ReportContext['spec']): BaselineKind {
  const kind = query.baseline ?? (spec && !query.releaseFrom ? 'openapi' : DEFAULT_BASELINE_RELEASES);
  if (kind === 'openapi' && !spec) throw new ReportQueryError('an OpenAPI baseline needs an OpenAPI document (--openapi FILE)');
  return kind;
}

/** A release without a release pattern cannot be found: thrown when the query has no pattern. */
export function checkReleaseWithoutPattern(query: CoverageQuery): void {
  if (query.release !== undefined) throw new ReportQueryError('a release needs a release pattern (--release-from)');
}

/**
 * The target release (the query's, else the newest) and the releases before it. `seen` holds the scoped
 * flows' releases in the order they first appear, oldest flow first (releases equal in version order keep it).
 */
export function planReleases(seen: Iterable<string>, pattern: ReleasePattern, query: CoverageQuery, kind: BaselineKind): ReleasePlan {
  const releases = [...seen].sort(compareReleases);
  if (releases.length === 0) throw new ReportQueryError(`no flow names a release with ${pattern.text}`);
  const target = query.release ?? releases[releases.length - 1];
  const at = releases.indexOf(target);
  if (at < 0) throw new ReportQueryError(`release ${target} was not seen; releases seen: ${releases.join(', ')}`);
  const plan: ReleasePlan = { releases, target };
  if (kind !== 'openapi') plan.baseline = releases.slice(Math.max(0, at - kind), at);
  return plan;
}

export function emptyTally(kind: BaselineKind, plan?: ReleasePlan): CoverageTally {
  return {
    kind,
    targetFlows: 0,
    baselineFlows: 0,
    touched: new Map(),
    targetPlatforms: new Set(),
    baseline: new Map(),
    releaseOrder: new Map((plan?.releases ?? []).map((r, i) => [r, i])),
  };
}

/** An OpenAPI baseline knows operations by method and route on any host. */
function keyOf(kind: BaselineKind, { endpoint: e, key }: ResolvedEndpoint): string {
  return kind === 'openapi' ? `${e.method} ${e.route}` : key;
}

/** The target touched `resolved` from `platform` (an OpenAPI baseline only counts documented operations). */
export function tallyTarget(tally: CoverageTally, resolved: ResolvedEndpoint, platform: Platform): void {
  if (tally.kind === 'openapi' && !resolved.endpoint.operation) return;
  tally.targetPlatforms.add(platform);
  const key = keyOf(tally.kind, resolved);
  let platforms = tally.touched.get(key);
  if (!platforms) tally.touched.set(key, (platforms = new Set()));
  platforms.add(platform);
}

/** The baseline used `resolved` from `platform`, last at `startedAt`, in `release` (release baselines). */
export function tallyBaseline(tally: CoverageTally, resolved: ResolvedEndpoint, platform: Platform, startedAt: number, release: string | undefined): void {
  const key = keyOf(tally.kind, resolved);
  let entry = tally.baseline.get(key);
  if (!entry) tally.baseline.set(key, (entry = { endpoint: resolved.endpoint, platforms: new Set(), lastSeen: null }));
  entry.platforms.add(platform);
  if (entry.lastSeen === null || startedAt >= entry.lastSeen) entry.lastSeen = startedAt;
  const order = tally.releaseOrder;
  if (release !== undefined && (entry.lastRelease === undefined || order.get(release)! > order.get(entry.lastRelease)!)) entry.lastRelease = release;
}

/**
 * `all` is every stored summary (the baseline may lie outside the query's filter); the query's filter and
 * window scope both sides when a release pattern splits them, and define the target otherwise.
 */
export function coverageReport(all: readonly FlowSummary[], query: CoverageQuery, context: ReportContext = {}): CoverageReport {
  const endpointOf = endpointResolver(context.spec);
  const platformOf = platformResolver();
  const kind = baselineKindOf(query, context.spec);
  const scoped = selectFlows(all, query, context.inProfile);

  let target: FlowSummary[];
  let baselineFlows: FlowSummary[] = [];
  let plan: ReleasePlan | undefined;
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
    const picked = (plan = planReleases(seen, pattern, query, kind));
    target = scoped.filter((s) => releaseByFlow.get(s) === picked.target);
    if (picked.baseline) {
      const wanted = new Set(picked.baseline);
      baselineFlows = scoped.filter((s) => wanted.has(releaseByFlow.get(s) ?? '\u0000'));
    }
  } else {
    checkReleaseWithoutPattern(query);
    target = scoped;
    if (kind !== 'openapi') {
      const inTarget = new Set(target);
      baselineFlows = all.filter((s) => isFinished(s) && !inTarget.has(s));
    }
  }

  const tally = emptyTally(kind, plan);
  tally.targetFlows = target.length;
  tally.baselineFlows = baselineFlows.length;
  for (const s of target) tallyTarget(tally, endpointOf(s), platformOf(s.userAgent));
  for (const s of baselineFlows) tallyBaseline(tally, endpointOf(s), platformOf(s.userAgent), s.startedAt, releaseByFlow.get(s));
  return coverageOf(tally, plan, query, context);
}

/** The report from what was counted: covered / total per platform and in total, and what the target missed. */
export function coverageOf(tally: CoverageTally, plan: ReleasePlan | undefined, query: CoverageQuery, context: ReportContext): CoverageReport {
  const { spec } = context;
  const baseline = tally.kind === 'openapi' ? operationsBaseline(spec!, tally.targetPlatforms) : tally.baseline;

  const count = (): CoverageCount => ({ covered: 0, total: 0 });
  const total = count();
  const platforms = { ios: count(), android: count(), other: count() } satisfies Record<Platform, CoverageCount>;
  const uncovered: UncoveredEndpoint[] = [];
  for (const [key, entry] of baseline) {
    const hit = tally.touched.get(key);
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

  const targetRelease = plan?.target;
  const baselineReleases = plan?.baseline;
  const window = describeWindow(query);
  const report: CoverageReport = {
    kind: 'coverage',
    generatedAt: context.now ?? Date.now(),
    target: {
      description: targetRelease !== undefined ? `release ${targetRelease}${window}` : window ? `flows${window}` : 'every stored flow',
      flows: tally.targetFlows,
    },
    baseline: {
      description:
        tally.kind === 'openapi'
          ? `every operation of ${spec!.title}`
          : baselineReleases
            ? baselineReleases.length ? `releases ${baselineReleases.join(', ')}` : 'no earlier release'
            : 'every other stored flow',
      flows: tally.baselineFlows,
    },
    total,
    platforms,
    uncovered,
  };
  if (targetRelease !== undefined) report.target.release = targetRelease;
  if (baselineReleases) report.baseline.releases = baselineReleases;
  if (plan) report.releases = plan.releases;
  if (spec) report.openapi = spec.title;
  return report;
}

/** Every documented operation, expected from each platform the target was tested on. */
function operationsBaseline(spec: NonNullable<ReportContext['spec']>, targetPlatforms: Set<Platform>): Map<string, BaselineEntry> {
  const expected = targetPlatforms.size ? targetPlatforms : new Set<Platform>(['other']);
  const baseline = new Map<string, BaselineEntry>();
  for (const op of spec.operations) {
    baseline.set(`${op.method} ${op.route}`, { endpoint: { method: op.method, host: '', route: op.route, operation: op.operation }, platforms: new Set(expected), lastSeen: null });
  }
  return baseline;
}

function describeWindow(query: CoverageQuery): string {
  const parts: string[] = [];
  if (query.filter) parts.push(`filter "${query.filter}"`);
  if (query.since !== undefined) parts.push(`since ${new Date(query.since).toISOString()}`);
  if (query.until !== undefined) parts.push(`until ${new Date(query.until).toISOString()}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
