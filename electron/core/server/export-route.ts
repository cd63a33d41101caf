/**
 * `GET /api/export?format=har|postman|ndjson[&filter=EXPR | &ids=ID,ID…]` (with the Bearer header) or
 * `GET /api/export?ticket=…` (a browser's download: ../export/tickets.ts): an export of any size, streamed
 * as it is written (the API's export.flows answers with one string). The token or ticket check happens in
 * ui-server.ts before this runs. curl exports are not offered here: their binary
 * bodies are separate files one download cannot carry, so the UI asks export.flows for them.
 */
import type http from 'node:http';
import { ApiError } from '../../common/api';
import { exportFileName } from '../../common/export-format';
import type { AnyCore } from '../core-types';
import { exportRequest, writeExportRequest, type ExportRequest } from '../export/api-handlers';

const CONTENT_TYPES = { har: 'application/json', postman: 'application/json', ndjson: 'application/x-ndjson', curl: 'text/plain' } as const;

function send(res: http.ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`${text}\n`);
}

export async function serveExport(core: AnyCore, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const query: Record<string, unknown> = {};
  for (const key of ['format', 'shell', 'filter']) {
    const value = url.searchParams.get(key);
    if (value !== null) query[key] = value;
  }
  const ids = url.searchParams.get('ids');
  if (ids !== null) query.ids = ids.split(',').filter(Boolean);
  let request;
  try {
    request = exportRequest('/api/export', query);
  } catch (err) {
    if (err instanceof ApiError) return send(res, 400, err.message);
    throw err;
  }
  if (request.format === 'curl') return send(res, 400, '/api/export: curl exports go through the export.flows method (binary bodies are separate files)');
  return streamExport(core, req, res, request);
}

/** Streams a checked export request as the response. */
export async function streamExport(core: AnyCore, req: http.IncomingMessage, res: http.ServerResponse, request: ExportRequest): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', `${CONTENT_TYPES[request.format]}; charset=utf-8`);
  res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(request.format, request.shell, new Date())}"`);
  if (req.method === 'HEAD') return void res.end();
  try {
    await writeExportRequest(core, request, res);
    res.end();
  } catch (err) {
    // The status line is gone: cutting the connection is the only way left to say the file is incomplete.
    res.destroy(err as Error);
  }
}
