/**
 * Serves the built renderer (dist/renderer) to browsers in headless mode: known content types, an SPA
 * fallback to index.html for client-side routes, and no way out of the folder (encoded `..`, symlinks).
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export type StaticResult = 'served' | 'not-built' | 'not-found' | 'bad-path';

/**
 * Answers GET/HEAD for a file of the renderer build. Returns what happened so the caller can answer
 * the cases it owns (the "not built" page, 404, 400) with its own headers.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, rootDir: string, pathname: string): Promise<StaticResult> {
  let root: string;
  try {
    root = await fs.promises.realpath(rootDir);
  } catch {
    return 'not-built';
  }
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) return 'not-built';

  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return 'bad-path';
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return 'bad-path';
  let file = path.resolve(root, '.' + decoded);
  if (!inside(root, file)) return 'bad-path';

  let stat = await statOrNull(file);
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = await statOrNull(file);
  }
  if (!stat?.isFile()) {
    // Client-side routes (/flows/abc) get the app; a missing asset (/assets/x.js) is a real 404.
    if (path.extname(decoded) !== '') return 'not-found';
    file = index;
    stat = await statOrNull(file);
    if (!stat?.isFile()) return 'not-built';
  }
  // A symlink inside the build must not lead outside it.
  const real = await fs.promises.realpath(file).catch(() => undefined);
  if (!real || !inside(root, real)) return 'bad-path';

  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', stat.size);
  res.setHeader('Cache-Control', 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return 'served';
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(real);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
  return 'served';
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function statOrNull(file: string): Promise<fs.Stats | null> {
  return fs.promises.stat(file).catch(() => null);
}
