/** The flow list's columns: widths as one CSS grid template shared by the header and every row. */
import type { FlowSummary } from '../../../../electron/common/flow';
import type { SortKey } from '../../lib/state/sort';

export interface Column {
  id: 'marker' | 'time' | 'client' | 'method' | 'host' | 'path' | 'status' | 'type' | 'size' | 'duration';
  label: string;
  width: string;
  sort?: SortKey;
  align?: 'end';
}

export const COLUMNS: readonly Column[] = [
  { id: 'marker', label: '', width: '20px' },
  { id: 'time', label: 'Time', width: '104px', sort: 'seq' },
  { id: 'client', label: 'Client', width: '104px', sort: 'clientIp' },
  { id: 'method', label: 'Method', width: '76px', sort: 'method' },
  { id: 'host', label: 'Host', width: 'minmax(110px, 1fr)', sort: 'host' },
  { id: 'path', label: 'Path', width: 'minmax(140px, 2fr)', sort: 'path' },
  { id: 'status', label: 'Status', width: '62px', sort: 'status' },
  { id: 'type', label: 'Type', width: '58px', sort: 'type' },
  { id: 'size', label: 'Size', width: '68px', sort: 'size', align: 'end' },
  { id: 'duration', label: 'Duration', width: '80px', sort: 'duration', align: 'end' },
];

export const GRID_TEMPLATE = COLUMNS.map((c) => c.width).join(' ');

export const ROW_HEIGHT = 24;

/** The row's colour class: what went wrong or what changed it, most important first. */
export function rowTone(flow: FlowSummary): 'failed' | 'paused' | 'mocked' | 'mapped' | undefined {
  if (flow.state === 'failed' || flow.error !== undefined) return 'failed';
  if (flow.state === 'intercepted') return 'paused';
  if (flow.appliedRuleKinds.includes('mock')) return 'mocked';
  if (flow.appliedRuleKinds.includes('map-remote')) return 'mapped';
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
