/**
 * The report of a session replay (`hindsight replay --to`, "Replay against…" in the app) and of a session
 * diff (`hindsight diff A B`): exchanges paired up, grouped by endpoint (session-endpoint.ts), each pair
 * with every difference of its responses listed with both values. Pure: built from the flow diffs
 * (electron/common/diff.ts) the core computes; rendered as JSON, as HTML (electron/core/automation) and
 * in the app's comparison view.
 *
 * What counts as a difference: the status, the error (one failed, or both differently), a response header
 * (volatile ones such as Date, request ids and Set-Cookie expiries are left out, as the flow diff does, and
 * Content-Length, which follows the body; `ignore` adds header names), a JSON body path (`ignore` takes path patterns, json-path-pattern.ts), text
 * body lines, binary bodies that are not byte-equal. Timing is reported, never a difference. Requests are
 * not compared: a replay changes the URL and headers on purpose, and a session diff pairs equal requests.
 */
import type { FlowDiff, FlowSideInfo, JsonChange } from './diff';
import { VOLATILE_HEADERS } from './diff';
import { jsonPathMatches, parseJsonPath } from './json-path-pattern';
import { endpointOf } from './session-endpoint';

/** Text lines kept per side in one text difference; the rest are counted. */
export const MAX_TEXT_LINES = 200;

/**
 * Response headers that follow from the body, which is compared itself: an ignored JSON field of another
 * length would otherwise still show as a Content-Length difference.
 */
const DERIVED_HEADERS = ['content-length'];

export type Difference =
  | { kind: 'status'; a?: number; b?: number }
  | { kind: 'error'; a?: string; b?: string }
  /** null: the header is absent on that side. */
  | { kind: 'header'; name: string; a: string[] | null; b: string[] | null }
  /** A JSON path whose value differs; a side without the key has no `a` / `b`. */
  | { kind: 'json'; path: string; a?: unknown; b?: unknown }
  /** Lines removed (a) and added (b) by the text diff; `more` counts lines left out. */
  | { kind: 'text'; a: string[]; b: string[]; more: number; note?: string }
  /** Bodies that are neither text nor JSON (or too large to read), not byte-equal: sizes and SHA-256. */
  | { kind: 'binary'; a: BinarySide; b: BinarySide }
  /** JSON changes beyond the flow diff's limit. */
  | { kind: 'json-more'; count: number };

export interface BinarySide {
  size: number;
  sha256?: string;
}

/** One side of a pair, as the report names it. */
export interface ExchangeInfo {
  /** The stored flow, when it is one (HAR entries have none). */
  id?: string;
  method: string;
  url: string;
  status?: number;
  durationMs?: number;
  error?: string;
}

export interface PairReport {
  a: ExchangeInfo;
  b: ExchangeInfo;
  same: boolean;
  differences: Difference[];
}

/** A request of A that could not be sent to B, with why. */
export interface NotSent {
  a: ExchangeInfo;
  reason: string;
}

export interface EndpointReport {
  endpoint: string;
  pairs: PairReport[];
  /** Session diff: exchanges only in B. */
  added: ExchangeInfo[];
  /** Session diff: exchanges only in A. */
  removed: ExchangeInfo[];
  notSent: NotSent[];
  /** Median durations of the paired exchanges (recorded, new), when both sides have some: timing is compared, never a difference. */
  timing?: { aMedianMs: number; bMedianMs: number };
}

export interface SessionReport {
  kind: 'replay' | 'diff';
  /** What was compared, in words: "flows matching 'host:api.test'", "http://staging:8080", a HAR path. */
  a: string;
  b: string;
  ignore: string[];
  totals: { pairs: number; same: number; changed: number; added: number; removed: number; notSent: number };
  /** In the order each endpoint first occurs. */
  endpoints: EndpointReport[];
}

/** What `ignore` entries mean: `$…` is a JSON path pattern, anything else a header name. */
export interface IgnoreSpec {
  headers: string[];
  jsonPaths: string[];
}

export function parseIgnore(entries: readonly string[]): IgnoreSpec {
  const spec: IgnoreSpec = { headers: [], jsonPaths: [] };
  for (const e of entries) {
    if (e.startsWith('$')) {
      parseJsonPath(e);
      spec.jsonPaths.push(e);
    } else {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(e)) throw new Error(`'${e}' is neither a header name nor a JSON path starting with $`);
      spec.headers.push(e.toLowerCase());
    }
  }
  return spec;
}

/** The volatile header lists to hand the flow diff: the defaults plus the ignored names. */
export function volatileWith(ignore: IgnoreSpec): { request: string[]; response: string[] } {
  return { request: [...VOLATILE_HEADERS.request, ...ignore.headers], response: [...VOLATILE_HEADERS.response, ...ignore.headers] };
}

export function exchangeOf(side: FlowSideInfo, extra: { durationMs?: number; error?: string } = {}): ExchangeInfo {
  const info: ExchangeInfo = { method: side.method, url: side.url };
  if (side.id) info.id = side.id;
  if (side.status !== undefined) info.status = side.status;
  if (extra.durationMs !== undefined) info.durationMs = extra.durationMs;
  if (extra.error !== undefined) info.error = extra.error;
  return info;
}

/** The response differences of a flow diff, minus what `ignore` names. */
export function differencesOf(diff: FlowDiff, ignore: IgnoreSpec): Difference[] {
  const out: Difference[] = [];
  const r = diff.response;
  if (r.status) out.push({ kind: 'status', ...r.status });
  if (diff.error) out.push({ kind: 'error', ...diff.error });
  const ignoredHeader = new Set([...ignore.headers, ...DERIVED_HEADERS]);
  for (const c of r.headers.changes) {
    if (ignoredHeader.has(c.name.toLowerCase())) continue;
    if (c.type === 'added') out.push({ kind: 'header', name: c.name, a: null, b: c.values });
    else if (c.type === 'removed') out.push({ kind: 'header', name: c.name, a: c.values, b: null });
    else out.push({ kind: 'header', name: c.name, a: c.a, b: c.b });
  }
  const body = r.body;
  if (body.kind === 'json') {
    const patterns = ignore.jsonPaths.map(parseJsonPath);
    for (const c of body.changes) if (!patterns.some((p) => jsonPathMatches(p, c.path))) out.push(jsonDifference(c));
    if (body.more > 0) out.push({ kind: 'json-more', count: body.more });
  } else if (body.kind === 'text' && !body.same) {
    const removed = body.hunks.flatMap((h) => h.lines.filter((l) => l.type === 'removed').map((l) => l.text));
    const added = body.hunks.flatMap((h) => h.lines.filter((l) => l.type === 'added').map((l) => l.text));
    const d: Difference = { kind: 'text', a: removed.slice(0, MAX_TEXT_LINES), b: added.slice(0, MAX_TEXT_LINES), more: Math.max(0, removed.length - MAX_TEXT_LINES) + Math.max(0, added.length - MAX_TEXT_LINES) };
    if (body.skipped) d.note = body.skipped === 'too-large' ? 'too large for a line diff' : 'too different for a line diff';
    else if (removed.length === 0 && added.length === 0) d.note = `sizes ${body.a.size} and ${body.b.size} bytes`;
    out.push(d);
  } else if (body.kind === 'binary' && !body.same) {
    const side = (x: { size: number; sha256?: string }): BinarySide => (x.sha256 ? { size: x.size, sha256: x.sha256 } : { size: x.size });
    out.push({ kind: 'binary', a: side(body.a), b: side(body.b) });
  }
  return out;
}

function jsonDifference(c: JsonChange): Difference {
  if (c.type === 'added') return { kind: 'json', path: c.path, b: c.b };
  if (c.type === 'removed') return { kind: 'json', path: c.path, a: c.a };
  return { kind: 'json', path: c.path, a: c.a, b: c.b };
}

export function pairReport(a: ExchangeInfo, b: ExchangeInfo, differences: Difference[]): PairReport {
  return { a, b, same: differences.length === 0, differences };
}

/** Collects pairs, added, removed and unsent exchanges into endpoint groups, in order of first occurrence. */
export class SessionReportBuilder {
  private readonly groups = new Map<string, EndpointReport>();

  constructor(private readonly head: Pick<SessionReport, 'kind' | 'a' | 'b' | 'ignore'>) {}

  private group(x: ExchangeInfo): EndpointReport {
    const key = endpointOf(x.method, x.url);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { endpoint: key, pairs: [], added: [], removed: [], notSent: [] }));
    return g;
  }

  pair(p: PairReport): void {
    this.group(p.a).pairs.push(p);
  }
  added(x: ExchangeInfo): void {
    this.group(x).added.push(x);
  }
  removed(x: ExchangeInfo): void {
    this.group(x).removed.push(x);
  }
  notSent(n: NotSent): void {
    this.group(n.a).notSent.push(n);
  }

  report(): SessionReport {
    const endpoints = [...this.groups.values()].map(withTiming);
    const pairs = endpoints.flatMap((g) => g.pairs);
    const same = pairs.filter((p) => p.same).length;
    return {
      ...this.head,
      totals: {
        pairs: pairs.length,
        same,
        changed: pairs.length - same,
        added: endpoints.reduce((n, g) => n + g.added.length, 0),
        removed: endpoints.reduce((n, g) => n + g.removed.length, 0),
        notSent: endpoints.reduce((n, g) => n + g.notSent.length, 0),
      },
      endpoints,
    };
  }
}

/** Whether the report shows the two sessions answering alike: what exit code 0 means. */
export function allMatch(report: SessionReport): boolean {
  const t = report.totals;
  return t.changed === 0 && t.added === 0 && t.removed === 0 && t.notSent === 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return Math.round((sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2) * 10) / 10;
}

function withTiming(g: EndpointReport): EndpointReport {
  const a = g.pairs.flatMap((p) => (p.a.durationMs !== undefined ? [p.a.durationMs] : []));
  const b = g.pairs.flatMap((p) => (p.b.durationMs !== undefined ? [p.b.durationMs] : []));
  return a.length && b.length ? { ...g, timing: { aMedianMs: median(a), bMedianMs: median(b) } } : g;
}
