/**
 * Writing a session report where `--report FILE` says: `.json` for machines (the SessionReport as is),
 * `.html` for people (report-html.ts). Written to a temp file and renamed, owner-only like other data.
 */
import path from 'node:path';
import type { SessionReport } from '../../common/session-report';
import { writePrivateFileAtomic } from '../private-files';
import { reportHtml } from './report-html';

export type ReportFormat = 'json' | 'html';

/** The format a report path asks for, or null when its extension is neither. */
export function reportFormatOf(file: string): ReportFormat | null {
  const ext = path.extname(file).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.html' || ext === '.htm' ? 'html' : null;
}

export function writeReport(file: string, report: SessionReport): void {
  const format = reportFormatOf(file);
  if (!format) throw new Error(`--report must end in .json or .html: ${file}`);
  const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reportHtml(report);
  writePrivateFileAtomic(file, text);
}
