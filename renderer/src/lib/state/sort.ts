/**
 * List order. The default (newest first by the time the exchange happened: startedAt, then seq) is the
 * server's page order, so pages append and live flows prepend, while an imported flow lands among the
 * flows of its time; any other order needs every matching flow loaded (FlowListState does that).
 */
import type { FlowSummary } from '../../../../electron/common/flow';
import { compareByTime } from '../../../../electron/common/flow-order';

export type SortKey = 'time' | 'clientIp' | 'method' | 'host' | 'path' | 'status' | 'type' | 'size' | 'duration';
export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}
export const DEFAULT_SORT: SortSpec = { key: 'time', dir: 'desc' };

export const isDefaultSort = (s: SortSpec) => s.key === 'time' && s.dir === 'desc';

/** IPv4 as a number so 127.0.0.10 sorts after 127.0.0.9; anything else sorts after, as text. */
function ipRank(ip: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return Number.MAX_SAFE_INTEGER;
  return ((+m[1] * 256 + +m[2]) * 256 + +m[3]) * 256 + +m[4];
}

type Compare = (a: FlowSummary, b: FlowSummary) => number;

const text = (get: (s: FlowSummary) => string | undefined): Compare => (a, b) => {
  const x = get(a) ?? '';
  const y = get(b) ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};
/** Missing numbers (no response yet) sort below every real value. */
const number = (get: (s: FlowSummary) => number | undefined): Compare => (a, b) => (get(a) ?? -1) - (get(b) ?? -1);

const BY_KEY: { [K in SortKey]: Compare } = {
  time: compareByTime,
  clientIp: (a, b) => ipRank(a.clientIp) - ipRank(b.clientIp) || text((s) => s.clientIp)(a, b),
  method: text((s) => s.method),
  host: text((s) => s.host),
  path: text((s) => s.path),
  status: number((s) => s.status),
  type: text((s) => s.contentType),
  size: number((s) => s.responseSize),
  duration: number((s) => s.durationMs),
};

/** A total order: ties fall back to newest first, so equal rows never swap places between renders. */
export function comparator(spec: SortSpec): Compare {
  const by = BY_KEY[spec.key];
  const sign = spec.dir === 'asc' ? 1 : -1;
  return (a, b) => sign * by(a, b) || b.seq - a.seq;
}

/** Index at which `item` keeps `rows` (sorted by `compare`) sorted; after equal items. */
export function insertionIndex(rows: readonly FlowSummary[], item: FlowSummary, compare: Compare): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(rows[mid], item) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
