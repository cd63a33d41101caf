/**
 * Two real origins for session replay and diff tests, on 127.0.0.1 (port 0). Variant 'A' and variant 'B'
 * answer alike except in exactly three ways, each on its own path:
 *   GET /api/users/7    status 200 (A) or 500 (B), same body and headers
 *   GET /api/users/12   JSON field $.name "User 12" (A) or "USER 12" (B), same length
 *   GET /api/users/20   header Cache-Control "max-age=60" (A) or "max-age=30" (B)
 * Endpoints:
 *   GET  /api/users/N   JSON { id, name, role }, after a delay of (N % 4) * 15 ms (so concurrent replays finish out of order)
 *   POST /api/echo      JSON { got: <request body> }
 *   GET  /api/feed      JSON { data: [{ id, updatedAt }] } where updatedAt is new on every request (a volatile field)
 * Every request is counted in `received` (`METHOD /path`, plus ` x-env=…` when it carried an X-Env header).
 */
import http from 'node:http';
import type net from 'node:net';

export interface SessionOrigin {
  url: string;
  port: number;
  received: string[];
  close(): Promise<void>;
}

let clock = 0;

export async function startSessionOrigin(variant: 'A' | 'B'): Promise<SessionOrigin> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(`${req.method} ${req.url}${req.headers['x-env'] ? ` x-env=${String(req.headers['x-env'])}` : ''}`);
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        const body = JSON.stringify(value);
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Request-Id': `r${++clock}`, ...headers });
        res.end(body);
      };
      const user = /^\/api\/users\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && user) {
        const n = Number(user[1]);
        const status = variant === 'B' && n === 7 ? 500 : 200;
        const name = variant === 'B' && n === 12 ? 'USER 12' : `User ${n}`;
        const cache: Record<string, string> = n === 20 ? { 'Cache-Control': variant === 'B' ? 'max-age=30' : 'max-age=60' } : {};
        setTimeout(() => json(status, { id: n, name, role: n % 3 === 0 ? 'admin' : 'member' }, cache), (n % 4) * 15);
      } else if (req.method === 'POST' && req.url === '/api/echo') {
        json(200, { got: Buffer.concat(chunks).toString() });
      } else if (req.method === 'GET' && req.url === '/api/feed') {
        json(200, { data: [1, 2].map((id) => ({ id, updatedAt: `t${++clock}` })) });
      } else {
        json(404, { error: 'not found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The recorded session: 35 user reads, 10 echoed posts, 5 feed reads, interleaved; 50 requests. */
export function sessionRequests(): { method: string; path: string; body?: string }[] {
  const list: { method: string; path: string; body?: string }[] = [];
  for (let n = 1; n <= 35; n++) {
    list.push({ method: 'GET', path: `/api/users/${n}` });
    if (n % 7 === 0) list.push({ method: 'GET', path: '/api/feed' });
    if (n % 7 === 3 || n % 7 === 5) list.push({ method: 'POST', path: '/api/echo', body: JSON.stringify({ n, note: `post ${n}` }) });
  }
  return list;
}
