/**
 * The flow list's columns. Widths live in FlowList.svelte's `.col-<id>` rules (flex, not grid: one flex
 * rule per column costs the browser less per row than 60 rows each resolving their own grid tracks).
 */
import type { FlowSummary } from '../../../../electron/common/flow';
import { ABSOLUTE_URL, withoutUserinfo } from '../../../../electron/common/url';
import type { SortKey } from '../../lib/state/sort';

export interface Column {
  id: 'marker' | 'time' | 'client' | 'node' | 'method' | 'host' | 'path' | 'status' | 'type' | 'size' | 'duration';
  label: string;
  sort?: SortKey;
  align?: 'end';
  /** Shown only when the list holds flows from more than one team node (FlowListState.multiNode). */
  teamOnly?: boolean;
}

export const COLUMNS: readonly Column[] = [
  { id: 'marker', label: '' },
  { id: 'time', label: 'Time', sort: 'time' },
  { id: 'client', label: 'Client', sort: 'clientIp' },
  { id: 'node', label: 'Node', teamOnly: true },
  { id: 'method', label: 'Method', sort: 'method' },
  { id: 'host', label: 'Host', sort: 'host' },
  { id: 'path', label: 'Path', sort: 'path' },
  { id: 'status', label: 'Status', sort: 'status' },
  { id: 'type', label: 'Type', sort: 'type' },
  { id: 'size', label: 'Size', sort: 'size', align: 'end' },
  { id: 'duration', label: 'Duration', sort: 'duration', align: 'end' },
];

export const ROW_HEIGHT = 24;

/** The columns to show: the Node column only once flows from two or more nodes are listed. */
export function visibleColumns(multiNode: boolean): readonly Column[] {
  return multiNode ? COLUMNS : COLUMNS.filter((c) => !c.teamOnly);
}

/** The row's colour class: what went wrong or what changed it, most important first. */
export function rowTone(flow: FlowSummary): 'failed' | 'paused' | 'mocked' | 'mapped' | undefined {
  if (flow.state === 'failed' || flow.error !== undefined) return 'failed';
  if (flow.state === 'intercepted') return 'paused';
  if (flow.appliedRuleKinds.includes('mock')) return 'mocked';
  if (flow.appliedRuleKinds.includes('map-remote') || flow.appliedRuleKinds.includes('map-local')) return 'mapped';
  return undefined;
}

/** Status colour class, only where the status means something. */
export function statusClass(status: number | undefined): string {
  if (status === undefined) return '';
  if (status >= 500) return 'status-5xx';
  if (status >= 400) return 'status-4xx';
  if (status >= 300) return 'status-3xx';
  if (status >= 200) return 'status-2xx';
  return '';
}

/**
 * The Host column's parts: the host alone hides what tells two servers apart, so the scheme shows as a lock
 * (https, wss) and a port other than the scheme's default shows after the host.
 */
export interface HostCell {
  /** As shown: an IPv6 address in brackets. */
  host: string;
  /** ":8443", or '' for the scheme's default port. */
  port: string;
  secure: boolean;
  /** scheme://host[:port], for the tooltip. */
  origin: string;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

export function hostCell(url: string, host: string): HostCell {
  const m = ABSOLUTE_URL.exec(url);
  if (!m) return { host, port: '', secure: false, origin: host };
  const scheme = m[1].toLowerCase();
  const authority = withoutUserinfo(m[2]);
  const explicit = /:(\d+)$/.exec(authority)?.[1];
  const port = explicit && explicit !== DEFAULT_PORTS[scheme] ? `:${explicit}` : '';
  // An IPv6 address keeps its brackets, or its last group would read as the port.
  const shown = host.includes(':') ? `[${host}]` : host;
  return { host: shown, port, secure: scheme === 'https' || scheme === 'wss', origin: `${scheme}://${shown}${port}` };
}
