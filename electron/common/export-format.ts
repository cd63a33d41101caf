/**
 * The export formats as the API and the UI name them (`export.flows`, the UI server's /api/export route,
 * `hindsight export --format`), and the file names an export is saved under. Pure: the writers live in
 * electron/core/export.
 */

export type ExportFormat = 'har' | 'postman' | 'curl' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['har', 'postman', 'curl', 'ndjson'];

/** The shell a curl command is quoted for. */
export type ExportShell = 'bash' | 'cmd' | 'powershell';
export const EXPORT_SHELLS: readonly ExportShell[] = ['bash', 'cmd', 'powershell'];

export const EXPORT_FORMAT_LABELS: Readonly<Record<ExportFormat, string>> = {
  har: 'HAR 1.2',
  postman: 'Postman collection v2.1',
  curl: 'curl commands',
  ndjson: 'NDJSON log lines',
};

/** What `export.flows` returns: the document, and the files it refers to (binary bodies for curl). */
export interface ExportResult {
  text: string;
  count: number;
  /** Files the document refers to by name (curl's `--data-binary @body-….bin`); save them beside it. */
  files: { name: string; base64: string }[];
  /** A file name to save the document under (exportFileName). */
  fileName: string;
}

const EXTENSIONS: Readonly<Record<ExportFormat, string>> = { har: 'har', postman: 'postman_collection.json', curl: 'sh', ndjson: 'ndjson' };

function extension(format: ExportFormat, shell: ExportShell): string {
  if (format !== 'curl') return EXTENSIONS[format];
  return shell === 'cmd' ? 'cmd' : shell === 'powershell' ? 'ps1' : 'sh';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `hindsight-20261121-140307.har`: local time, so two exports a second apart still differ by name. */
export function exportFileName(format: ExportFormat, shell: ExportShell, at: Date): string {
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `hindsight-${stamp}.${extension(format, shell)}`;
}

/** The save dialog's file type filter for a format. */
export function exportFileFilter(format: ExportFormat, shell: ExportShell): { name: string; extensions: string[] } {
  const ext = extension(format, shell).split('.').pop()!;
  return { name: EXPORT_FORMAT_LABELS[format], extensions: [ext] };
}
