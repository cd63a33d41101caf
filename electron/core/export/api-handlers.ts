/**
 * The API's export methods: `export.flows` (selected or filtered flows as HAR, Postman, curl or NDJSON, the
 * document in the answer) and `export.ticket`. The UI copies and saves through these (importing is
 * ../import/api-handlers.ts); a browser's large downloads use the UI server's streaming /api/export route
 * instead (exportRoute below), which writes the same document.
 * createApiHandlers (../api/handlers.ts) spreads these in. Params are untrusted and checked here.
 */
import { Writable } from 'node:stream';
import { ApiError, type ApiHandlers } from '../../common/api';
import { EXPORT_FORMATS, EXPORT_SHELLS, exportFileName, type ExportFormat, type ExportShell } from '../../common/export-format';
import { compileFilter } from '../../common/filter';
import { optionalString, paramsObject, requiredIds, requiredOneOf, type Params } from '../../common/api-params';
import type { AnyCore } from '../core-types';
import { writeExport, type RecordsFor } from './formats';
import { idRecords, sourceRecords, storeSource } from './source';
import { downloadTickets } from '../api/tickets';

export type ExportMethod = 'export.flows' | 'export.ticket';

const MAX_FILTER_LENGTH = 10_000;
/**
 * An answer carries the document as one string: beyond this the export is refused with a pointer to the
 * download route and the CLI, which stream any size. (V8 strings stop at about 512 M characters.)
 */
export const MAX_EXPORT_CHARS = 256 * 1024 * 1024;

/** What to export, as the method and the route both take it. */
export interface ExportRequest {
  format: ExportFormat;
  shell: ExportShell;
  ids?: string[];
  filter: string;
}

/** Checks an export request's params (from the API or the route's query); throws a 'bad-params' ApiError. */
export function exportRequest(method: string, p: Params): ExportRequest {
  const format = requiredOneOf(method, p, 'format', EXPORT_FORMATS);
  const shell = p.shell === undefined ? 'bash' : requiredOneOf(method, p, 'shell', EXPORT_SHELLS);
  const filter = optionalString(method, p, 'filter', MAX_FILTER_LENGTH) ?? '';
  const ids = p.ids === undefined ? undefined : requiredIds(method, p, 'ids');
  if (ids && filter) throw new ApiError(`${method}: give either 'ids' or 'filter', not both`, 'bad-params');
  try {
    compileFilter(filter);
  } catch (err) {
    const { start, end } = err as { start?: unknown; end?: unknown };
    throw new ApiError(`${method}: ${(err as Error).message}`, 'bad-filter', typeof start === 'number' && typeof end === 'number' ? { start, end } : undefined);
  }
  return { format, shell, filter, ...(ids ? { ids } : {}) };
}

/** Streams the export to `out` (the caller ends it); files the document refers to go to writeFile. */
export async function writeExportRequest(core: AnyCore, request: ExportRequest, out: Writable, writeFile?: (name: string, bytes: Buffer) => Promise<void>): Promise<{ count: number }> {
  await core.store.ready;
  const source = storeSource(core.store);
  const records: RecordsFor = (sides) => (request.ids ? idRecords(source, request.ids, sides) : sourceRecords(source, request.filter, sides));
  return writeExport(request.format, records, out, { shell: request.shell, version: core.status().version, ...(writeFile ? { writeFile } : {}) });
}

/** A Writable that keeps what it is given as text, refusing to grow past `limit` characters. */
function textSink(limit: number): { stream: Writable; text(): string } {
  const parts: string[] = [];
  let length = 0;
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      length += text.length;
      if (length > limit) return done(new ApiError(`export.flows: the export is larger than ${limit / 1024 / 1024} MB; download it (or use hindsight export) instead`, 'bad-params'));
      parts.push(text);
      done();
    },
  });
  return { stream, text: () => parts.join('') };
}

export function createExportApiHandlers(core: AnyCore): Pick<ApiHandlers, ExportMethod> {
  return {
    async 'export.flows'(params) {
      const m = 'export.flows';
      const request = exportRequest(m, paramsObject(m, params, ['ids', 'filter', 'format', 'shell']));
      const sink = textSink(MAX_EXPORT_CHARS);
      const files: { name: string; base64: string }[] = [];
      const { count } = await writeExportRequest(core, request, sink.stream, async (name, bytes) => {
        files.push({ name, base64: bytes.toString('base64') });
      });
      await new Promise<void>((resolve, reject) => sink.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      return { text: sink.text(), count, files, fileName: exportFileName(request.format, request.shell, new Date()) };
    },
    async 'export.ticket'(params) {
      const m = 'export.ticket';
      const request = exportRequest(m, paramsObject(m, params, ['ids', 'filter', 'format', 'shell']));
      if (request.format === 'curl') throw new ApiError(`${m}: curl exports go through export.flows (binary bodies are separate files)`, 'bad-params');
      return downloadTickets(core).issue(request);
    },
  };
}
