/**
 * `hindsight import`: reads a HAR file (browser devtools, Playwright, Charles, Hindsight's own export) into
 * the flow store. The whole file is checked first; a bad file imports nothing and the message names the
 * bad entry and field. The store's files are opened here, so a running hindsight must not hold them.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { readLock, type LockInfo } from '../core/instance/lock';
import { HarImportError, scanHar } from '../core/import/har';
import { describeImportLimit, describeImportTrim, importHar } from '../core/import/into-store';
import { defaultDataDir } from '../core/paths';
import type { ImportUploadResult } from '../core/server/import-route';
import { openFlowStore } from '../core/store';
import { parseCommandArgs, type CliOutput } from './args';
import { commandStoreUrl, STORE_FLAG, STORE_USAGE } from './store-flags';
import { openPgStore } from '../core/store/pg/pg-store';
import { redactUrl } from '../core/store/pg/pg-db';
import type { AnyFlowStore } from '../core/store/types';
import { fsErrorLine, isFsError } from './fs-errors';

export const usage = `Usage: hindsight import [--data DIR | --store URL] FILE.har

Adds the requests of a HAR file to the stored flows, marked as imported.

  --data DIR      data folder (default: ${defaultDataDir()})
${STORE_USAGE}
  -h, --help      show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs('import', argv, { data: { type: 'string' }, ...STORE_FLAG }, usage, out, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    out.stderr.write(`hindsight import: expected one HAR file, got ${positionals.length}\n\n${usage}\n`);
    return 2;
  }
  const file = path.resolve(positionals[0]);
  const target = commandStoreUrl('import', values.store, out);
  if (typeof target === 'number') return target;
  const storeUrl = target.url;
  const dataDir = path.resolve(values.data ?? defaultDataDir());

  try {
    await fs.promises.access(file, fs.constants.R_OK);
    // Linux opens a folder for reading; only the first read would fail, and as "not valid JSON".
    if ((await fs.promises.stat(file)).isDirectory()) {
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR', syscall: 'read', path: file });
    }
    // Checked before anything opens the store: a bad file is refused whichever way it would go in.
    await scanHar(fs.createReadStream(file));
  } catch (err) {
    const message = err instanceof HarImportError ? err.message : isFsError(err) ? fsErrorLine(err, 'read', file) : `cannot read ${file}: ${(err as Error).message}`;
    out.stderr.write(`hindsight import: ${message}\nNothing was imported.\n`);
    return 1;
  }

  if (!storeUrl && readLock(dataDir)) return importThroughRunning(dataDir, file, out);

  // A shared store takes writes from any number of processes; the data folder's files from one only.
  let store: AnyFlowStore;
  if (storeUrl) {
    try {
      store = await openPgStore({ url: storeUrl, maxFlows: Infinity });
    } catch (err) {
      out.stderr.write(`hindsight import: cannot open the store at ${redactUrl(storeUrl)}: ${(err as Error).message}\nNothing was imported.\n`);
      return 1;
    }
  } else {
    // File-system errors (a data folder it may not write) go up to the one-line handler, as before.
    store = openFlowStore({ dataDir });
  }
  const into = storeUrl ? redactUrl(storeUrl) : dataDir;
  try {
    await store.ready;
    // Streamed entry by entry (the file is read once more): memory stays flat whatever the file's size.
    // A large body text waits in the data folder (owner-only) while its entry is read.
    const outcome = await importHar(store, () => fs.createReadStream(file), storeUrl ? {} : { spoolDir: dataDir });
    for (const w of store.warnings()) out.stderr.write(`hindsight import: warning: ${w}\n`);
    const from = outcome.creator ? ` (made by ${outcome.creator.name} ${outcome.creator.version})` : '';
    out.stdout.write(`${importedLine(outcome.count)} from ${file}${from} into ${into}\n`);
    for (const line of [describeImportLimit(outcome), describeImportTrim(outcome)]) if (line) out.stdout.write(`${line}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof HarImportError)) throw err;
    out.stderr.write(`hindsight import: ${err.message}\nNothing was imported.\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/**
 * Two processes must never write the same nedb files: while a hindsight holds the data folder, the file
 * (already checked here) is streamed to its `POST /api/import` route (core/server/import-route.ts), which
 * spools and imports it entry by entry, so neither process holds the whole file; its window shows the new
 * flows at once.
 */
async function importThroughRunning(dataDir: string, file: string, out: CliOutput): Promise<number> {
  const lock = readLock(dataDir);
  if (!lock || lock.uiPort === 0) {
    out.stderr.write(`hindsight import: a hindsight holds ${dataDir} and takes no imports from here; quit it, then import.\n`);
    return 1;
  }
  let answer: { status: number; body: string };
  try {
    answer = await postFile(lock, '/api/import', file);
  } catch (err) {
    out.stderr.write(`hindsight import: a hindsight holds ${dataDir} but does not answer (${(err as Error).message}); quit it (or remove a stale hindsight.lock), then import.\n`);
    return 1;
  }
  let result: Partial<ImportUploadResult> & { error?: string };
  try {
    result = JSON.parse(answer.body) as typeof result;
  } catch {
    result = { error: answer.body.trim() || `HTTP ${answer.status}` };
  }
  if (answer.status !== 200 || typeof result.imported !== 'number') {
    out.stderr.write(`hindsight import: ${result.error ?? `HTTP ${answer.status}`}\nNothing was imported.\n`);
    return 1;
  }
  const count = result.imported;
  out.stdout.write(`${importedLine(count)} from ${file} into the running hindsight (${dataDir})\n`);
  const limit = describeImportLimit({ notKept: result.notKept ?? 0, ...(result.keeps !== undefined ? { keeps: result.keeps } : {}) });
  const trim = describeImportTrim({ count, kept: result.kept ?? count, trimmed: result.trimmed ?? 0, trimmedOther: result.trimmedOther ?? 0 });
  for (const line of [limit, trim]) if (line) out.stdout.write(`${line}\n`);
  return 0;
}

/** "Imported 100,000 flows": every entry of the file was read and checked, whether or not the store keeps it. */
function importedLine(count: number): string {
  return `Imported ${count.toLocaleString('en-US')} flow${count === 1 ? '' : 's'}`;
}

/** POSTs a file's bytes, streamed, to the running instance's UI server with its token; the answer's status and text. */
function postFile(lock: LockInfo, route: string, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const host = lock.uiHost === '0.0.0.0' || lock.uiHost === '' ? '127.0.0.1' : lock.uiHost === '::' ? '::1' : lock.uiHost;
    const request = http.request(
      { host, port: lock.uiPort, method: 'POST', path: route, headers: { authorization: `Bearer ${lock.token}`, 'content-type': 'application/json', 'content-length': fs.statSync(file).size } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    fs.createReadStream(file).on('error', reject).pipe(request);
  });
}
