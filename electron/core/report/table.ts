/** The report for a terminal: a heading, a few totals and aligned columns (the CLI's default format). */
import type { CoverageCount, Report } from '../../common/report';
import { PLATFORMS } from '../../common/release';
import { reportRows, type Cell } from './rows';

const pct = (c: CoverageCount) => (c.total ? `${Math.round((c.covered / c.total) * 100)}%` : '–');

function heading(report: Report): string[] {
  switch (report.kind) {
    case 'endpoints':
      return [`${report.endpoints.length} endpoints over ${report.flows} flows${report.openapi ? ` (OpenAPI: ${report.openapi})` : ''}`];
    case 'errors':
      return [`${report.errors} failed or 4xx/5xx flows of ${report.flows}, in ${report.groups.length} groups`];
    case 'coverage':
      return [
        `Target:   ${report.target.description}, ${report.target.flows} flows`,
        `Baseline: ${report.baseline.description}, ${report.baseline.flows} flows`,
        `Covered:  ${report.total.covered}/${report.total.total} (${pct(report.total)})  ` +
          PLATFORMS.map((p) => `${p} ${report.platforms[p].covered}/${report.platforms[p].total}`).join('  '),
        report.uncovered.length ? `Not covered (${report.uncovered.length}):` : 'Every baseline endpoint was covered.',
      ];
  }
}

/** Columns of the terminal table (the CSV has them all). */
const SHOWN: Record<Report['kind'], string[]> = {
  endpoints: ['method', 'host', 'route', 'count', '2xx', '3xx', '4xx', '5xx', 'failed', 'errorRate', 'p50Ms', 'p95Ms', 'maxMs'],
  errors: ['method', 'host', 'route', 'status', 'count', 'lastSeen', 'examples'],
  coverage: ['method', 'host', 'route', 'operation', 'missingOn', 'lastRelease'],
};

function text(cell: Cell, column: string): string {
  if (cell === null) return column === 'status' ? 'failed' : '';
  if (column === 'errorRate' && typeof cell === 'number') return `${(cell * 100).toFixed(1)}%`;
  return String(cell);
}

export function reportTable(report: Report): string {
  const { columns, rows } = reportRows(report);
  const shown = SHOWN[report.kind].filter((c) => c !== 'operation' || rows.some((r) => r[columns.indexOf(c)] !== null));
  const cells = [shown, ...rows.map((row) => shown.map((c) => text(row[columns.indexOf(c)], c)))];
  const widths = shown.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const numeric = new Set(['count', '2xx', '3xx', '4xx', '5xx', 'failed', 'errorRate', 'p50Ms', 'p95Ms', 'maxMs', 'status']);
  const lines = rows.length
    ? cells.map((r) => r.map((c, i) => (numeric.has(shown[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    : [];
  return [...heading(report), ...lines].join('\n') + '\n';
}
