/**
 * `POST /api/import` (with the Bearer header), the body a HAR file: how `hindsight import` hands a file of any
 * size to the running instance that holds the data folder. The API's flows.import takes the document as one
 * string in one WebSocket message, so memory grew with the file (issue 14); here the upload is spooled to an
 * owner-only file in the data folder as it arrives and then imported entry by entry from that file, like an
 * offline import. The token check happens in ui-server.ts before this runs.
 *
 * Answers 200 with JSON `{ imported, kept, notKept, keeps?, trimmed, trimmedOther }`, 422 with `{ error }` for a file that is
 * not a usable HAR (nothing stored), 413 past MAX_IMPORT_BYTES.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { AnyCore } from '../core-types';
import { HarImportError } from '../import/har';
import { importHar } from '../import/into-store';
import { BODY_SPOOL_NAME } from '../import/har-body-text';
import { PRIVATE_FILE_MODE } from '../private-files';

/** Far beyond any devtools export; a bound so an upload cannot fill the disk. */
export const MAX_IMPORT_BYTES = 4 * 1024 * 1024 * 1024;

/** What the route answers (and `hindsight import` prints from). */
export interface ImportUploadResult {
  imported: number;
  /** Imported flows still stored after the store's trim. */
  kept: number;
  /** Entries left out because the store keeps fewer (the oldest); `keeps` is its limit then. */
  notKept: number;
  keeps?: number;
  trimmed: number;
  trimmedOther: number;
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(`${JSON.stringify(value)}\n`);
}

export async function serveImport(core: AnyCore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_IMPORT_BYTES) return sendJson(res, 413, { error: TOO_LARGE });
  const spool = path.join(core.dataDir, `import-${crypto.randomBytes(8).toString('hex')}.har.part`);
  let answer: { status: number; value: unknown } | undefined;
  try {
    answer = await importUpload(core, req, spool);
  } finally {
    // Removed before answering: the client may look at the data folder as soon as it has the answer.
    await fs.promises.rm(spool, { force: true });
  }
  if (!answer) return void res.destroy();
  if (answer.status === 413) res.setHeader('Connection', 'close');
  sendJson(res, answer.status, answer.value);
}

const TOO_LARGE = `the file is larger than ${MAX_IMPORT_BYTES / 1024 ** 3} GB`;

/** Spools the upload and imports it; undefined when the client went away mid-upload (nothing imported). */
async function importUpload(core: AnyCore, req: http.IncomingMessage, spool: string): Promise<{ status: number; value: unknown } | undefined> {
  let received = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > MAX_IMPORT_BYTES) return callback(new UploadTooLarge());
      callback(null, chunk);
    },
  });
  try {
    await pipeline(req, limit, fs.createWriteStream(spool, { mode: PRIVATE_FILE_MODE, flags: 'wx' }));
  } catch (err) {
    if (err instanceof UploadTooLarge) return { status: 413, value: { error: TOO_LARGE } };
    return undefined;
  }
  await core.store.ready;
  try {
    const outcome = await importHar(core.store, () => fs.createReadStream(spool), { spoolDir: core.dataDir });
    const result: ImportUploadResult = {
      imported: outcome.count,
      kept: outcome.kept.length,
      notKept: outcome.notKept,
      ...(outcome.keeps !== undefined ? { keeps: outcome.keeps } : {}),
      trimmed: outcome.trimmed,
      trimmedOther: outcome.trimmedOther,
    };
    return { status: 200, value: result };
  } catch (err) {
    if (err instanceof HarImportError) return { status: 422, value: { error: err.message } };
    throw err;
  }
}

/** Uploads and body texts (har-body-text.ts) a crash cut short: this server holds the data folder now, so none is still being written. */
export function removeStaleImportSpools(dataDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) if (SPOOL_NAME.test(name) || BODY_SPOOL_NAME.test(name)) fs.rmSync(path.join(dataDir, name), { force: true });
}

const SPOOL_NAME = /^import-[0-9a-f]{16}\.har\.part$/;

class UploadTooLarge extends Error {}
