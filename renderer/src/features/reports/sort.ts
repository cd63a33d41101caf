/** Sorting the endpoint table by a column, numbers descending first, text ascending first. */
import type { EndpointStats } from '../../../../electron/common/report';

export type EndpointColumn = 'endpoint' | 'count' | 'errorRate' | 'p50' | 'p95' | 'max' | 'bytes' | 'lastSeen';
export interface EndpointSort {
  column: EndpointColumn;
  descending: boolean;
}

const value: Record<EndpointColumn, (e: EndpointStats) => number | string> = {
  endpoint: (e) => `${e.host} ${e.route} ${e.method}`,
  count: (e) => e.count,
  errorRate: (e) => e.errorRate,
  p50: (e) => e.latencyMs.p50 ?? -1,
  p95: (e) => e.latencyMs.p95 ?? -1,
  max: (e) => e.latencyMs.max ?? -1,
  bytes: (e) => e.requestBytes + e.responseBytes,
  lastSeen: (e) => e.lastSeen,
};

export function sortEndpoints(list: readonly EndpointStats[], sort: EndpointSort): EndpointStats[] {
  const get = value[sort.column];
  const sign = sort.descending ? -1 : 1;
  return [...list].sort((a, b) => {
    const x = get(a);
    const y = get(b);
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * order || value.endpoint(a).toString().localeCompare(value.endpoint(b).toString());
  });
}

/** Clicking a header: the same column flips; a new one starts descending for numbers, ascending for text. */
export function nextSort(current: EndpointSort, column: EndpointColumn): EndpointSort {
  if (current.column === column) return { column, descending: !current.descending };
  return { column, descending: column !== 'endpoint' };
}
