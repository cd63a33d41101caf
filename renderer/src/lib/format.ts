/** Display formatting shared by the list, the detail pane and the status bar. Pure. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1024-based, like the filter language's `size>10kb`: 0 B, 999 B, 1.2 KB, 15 KB, 3.4 MB. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** 0 ms … 999 ms, 1.23 s, 12.3 s, 2m 05s. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1) return ms <= 0 ? '0 ms' : '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time with milliseconds: 14:03:07.412. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time for the detail pane: 2026-11-21 14:03:07.412. */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(epochMs)}`;
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function formatAgo(epochMs: number, now: number): string {
  const s = Math.round((now - epochMs) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return formatDateTime(epochMs).slice(0, 16);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A count of matching flows; "10,000+" when the store stopped counting there (FlowPage.matchedCapped). */
export function formatMatched(list: { matched: number; matchedCapped: boolean }): string {
  return `${formatCount(list.matched)}${list.matchedCapped ? '+' : ''}`;
}

/** The short name of a media type for the Type column: application/json → json, image/png → png. */
export function shortType(contentType: string | undefined): string {
  if (!contentType) return '';
  const [top, sub = ''] = contentType.split('/');
  const plain = sub.replace(/^(x-|vnd\.[^+]*\+)/, '').replace(/\+.*$/, '');
  if (top === 'text' && sub === 'plain') return 'text';
  if (sub.endsWith('+json')) return 'json';
  if (sub.endsWith('+xml')) return 'xml';
  if (plain === 'javascript' || plain === 'ecmascript') return 'js';
  if (plain === 'x-www-form-urlencoded' || plain === 'www-form-urlencoded') return 'form';
  if (plain === 'octet-stream') return 'binary';
  return plain || top;
}
