/**
 * CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line break).
 * A text cell starting with = + - @ is prefixed with ' so a spreadsheet shows it instead of running it as
 * a formula (paths and error messages come from the network).
 */
import type { Report } from '../../common/report';
import { reportRows, type Cell } from './rows';

function field(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reportCsv(report: Report): string {
  const { columns, rows } = reportRows(report);
  return [columns, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
