/**
 * Export actions on selected or filtered flows: copy as curl (to the clipboard), and save as HAR, Postman,
 * curl or NDJSON — in a browser as a download (large ones streamed by the UI server's /api/export route),
 * in the desktop app through the native save dialog. Files an export refers to (a binary request body for
 * curl) are saved beside it.
 */
import type { ApiClient } from '../../../../electron/common/api';
import { exportFileFilter, exportFileName, type ExportFormat, type ExportShell } from '../../../../electron/common/export-format';
import type { Backend } from '../../lib/api/connection';
import { copyText, download, saveFile } from '../../lib/save-file';

export type ExportTarget = { ids: string[] } | { filter: string };

/** Past this many ids the download URL would get long; the export goes through the API instead. */
const MAX_ROUTE_IDS = 1000;

const MIME: Record<ExportFormat, string> = { har: 'application/json', postman: 'application/json', curl: 'text/plain', ndjson: 'application/x-ndjson' };

export const SHELL_LABELS: Record<ExportShell, string> = { bash: 'bash', cmd: 'cmd.exe', powershell: 'PowerShell' };

/** Copies the flows' curl commands; returns how many commands, and the files they read (binary bodies). */
export async function copyCurl(client: ApiClient, ids: string[], shell: ExportShell): Promise<{ count: number; files: string[] }> {
  const result = await client.call('export.flows', { ids, format: 'curl', shell });
  await copyText(result.text.replace(/\n$/, ''));
  return { count: result.count, files: result.files.map((f) => f.name) };
}

/**
 * The streaming download route for a browser on `hindsight serve`: a navigation cannot carry the token, so the
 * page asks for a single-use, one-minute ticket for this export (electron/core/export/tickets.ts).
 */
async function routeUrl(backend: Backend, target: ExportTarget, format: ExportFormat, shell: ExportShell): Promise<string> {
  const { ticket } = await backend.client.call('export.ticket', { ...target, format, shell });
  return `${window.location.protocol}//${window.location.host}/api/export?${new URLSearchParams({ ticket })}`;
}

/** Saves the export; false when the user cancelled the save dialog. */
export async function saveExport(backend: Backend, target: ExportTarget, format: ExportFormat, shell: ExportShell = 'bash'): Promise<boolean> {
  const streamable = backend.shell === 'browser' && format !== 'curl' && (!('ids' in target) || target.ids.length <= MAX_ROUTE_IDS);
  if (streamable) {
    download(await routeUrl(backend, target, format, shell), exportFileName(format, shell, new Date()));
    return true;
  }
  const result = await backend.client.call('export.flows', { ...target, format, shell });
  const saved = await saveFile(backend, { name: result.fileName, text: result.text, mime: MIME[format], filters: [exportFileFilter(format, shell)] });
  if (!saved) return false;
  for (const file of result.files) await saveFile(backend, { name: file.name, base64: file.base64 });
  return true;
}
