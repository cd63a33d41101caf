/**
 * Map-local: a matching request is answered from the disk of the machine running the proxy, read at every
 * request (an edited file is served at once, no restart).
 * - `path` a file: that file answers every matching request.
 * - `path` a directory: the request's path minus the literal start of the rule's URL wildcard (as map-remote
 *   strips it: `http://api.test/static/*` sends `/static/app/main.js` to `<dir>/app/main.js`), percent-decoded
 *   segment by segment; a directory answers with its index.html.
 * Never outside the directory: `..`, encoded slashes and NUL in a segment are refused (403), and the file's
 * real path (symbolic links resolved) must lie inside the directory's real path.
 * A missing file is a 404 whose text names the file looked for. Content-Type comes from the extension
 * (mime-types); a single `Range: bytes=…` gets a 206 (or 416), several ranges the whole file. Every answer
 * carries `X-Hindsight-File` with the file it came from (or looked for), so the flow shows it.
 * Files are held in memory to answer (at most MAX_HELD_BODY, like any body a rule holds).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import mime from 'mime-types';
import { headerValue, type Headers } from '../../common/flow';
import type { Action, Matcher } from '../../common/rule';
import { stripLiteralPath } from './map-remote';
import { reasonPhrase } from './message';
import { MAX_HELD_BODY } from './held-body';

type MapLocal = Extract<Action, { type: 'map-local' }>;

export interface LocalAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
}

const FILE_HEADER = 'X-Hindsight-File';

function text(status: number, message: string, file?: string): LocalAnswer {
  const body = Buffer.from(`Hindsight: ${message}\n`);
  const headers: Headers = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(body.length)],
  ];
  if (file) headers.push([FILE_HEADER, file]);
  return { status, statusText: reasonPhrase(status), headers, body };
}

/** The file a request maps to, or why it cannot (403: outside the directory, 400: bad encoding). */
export function localFileFor(root: string, pathAndQuery: string, matchers: readonly Matcher[]): { file: string } | { refused: LocalAnswer } {
  const rest = stripLiteralPath(pathAndQuery.split(/[?#]/, 1)[0], matchers);
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '' || raw === '.') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { refused: text(400, `map local: the path segment ${JSON.stringify(raw)} is not valid percent-encoding`) };
    }
    if (segment === '..' || /[/\\\0]/.test(segment) || (process.platform === 'win32' && /:/.test(segment))) {
      return { refused: text(403, `map local: the path ${JSON.stringify(rest)} would leave ${root}; refused`) };
    }
    segments.push(segment);
  }
  return { file: path.join(root, ...segments) };
}

const inside = (dir: string, file: string) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** The answer for one request; never throws (an unreadable file is a 500 naming it). */
export async function answerFromDisk(action: MapLocal, matchers: readonly Matcher[], req: { method: string; url: string; headers: Headers }): Promise<LocalAnswer> {
  const root = path.resolve(action.path);
  const pathAndQuery = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(req.url)?.[1] || '/';
  let file = root;
  try {
    const rootStat = await fs.stat(root);
    if (rootStat.isDirectory()) {
      const mapped = localFileFor(root, pathAndQuery, matchers);
      if ('refused' in mapped) return mapped.refused;
      file = mapped.file;
      if ((await fs.stat(file).catch(() => undefined))?.isDirectory()) file = path.join(file, 'index.html');
      // Symbolic links inside the directory must not lead out of it.
      const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(file).catch(() => file)]);
      if (!inside(realRoot, realFile)) return text(403, `map local: ${file} leads outside ${root}; refused`, file);
    }
    const stat = await fs.stat(file);
    if (!stat.isFile()) return text(404, `map local: ${file} is not a file`, file);
    if (stat.size > MAX_HELD_BODY) return text(502, `map local: ${file} is larger than ${MAX_HELD_BODY / 1024 / 1024} MB, too large to answer from`, file);
    return fileAnswer(file, stat, await fs.readFile(file), req);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return text(404, `map local: no file at ${file}`, file);
    return text(500, `map local: ${file} cannot be read (${code ?? (err as Error).message})`, file);
  }
}

function fileAnswer(file: string, stat: { size: number; mtime: Date }, bytes: Buffer, req: { method: string; headers: Headers }): LocalAnswer {
  const type = mime.contentType(path.extname(file)) || 'application/octet-stream';
  const base: Headers = [
    ['Content-Type', type],
    ['Last-Modified', stat.mtime.toUTCString()],
    ['Accept-Ranges', 'bytes'],
    [FILE_HEADER, file],
  ];
  const head = req.method.toUpperCase() === 'HEAD';
  const range = req.method.toUpperCase() === 'GET' ? parseRange(headerValue(req.headers, 'range'), bytes.length) : undefined;
  if (range === 'unsatisfiable') {
    return { status: 416, statusText: reasonPhrase(416), headers: [...base, ['Content-Range', `bytes */${bytes.length}`], ['Content-Length', '0']], body: Buffer.alloc(0) };
  }
  if (range) {
    const part = bytes.subarray(range.start, range.end + 1);
    return { status: 206, statusText: reasonPhrase(206), headers: [...base, ['Content-Range', `bytes ${range.start}-${range.end}/${bytes.length}`], ['Content-Length', String(part.length)]], body: part };
  }
  return { status: 200, statusText: reasonPhrase(200), headers: [...base, ['Content-Length', String(bytes.length)]], body: head ? Buffer.alloc(0) : bytes };
}

/**
 * One byte range of RFC 9110 §14.1.2 (`bytes=0-99`, `bytes=100-`, `bytes=-50`), clipped to the size.
 * Undefined (send the whole file) for no header, another unit, several ranges or a malformed one.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
