/**
 * The headless server's HTTP and WebSocket surface with real sockets: who is let in (token, Host,
 * Origin), what the browser gets (static files, security headers, SPA fallback, no way out of the build
 * folder) and the body and CA routes.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { handshake } from '../../helpers/ws-handshake';
import { addFlows, flowWithBody, openTestCore, sample, type TestCore } from './harness';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with the path sent exactly as given (no client-side normalisation of `..`). */
function get(port: number, pathAndQuery: string, headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends one raw text frame and resolves with the first reply that is not an event batch. */
function rawCall(url: string, token: string, frame: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    ws.once('open', () => ws.send(frame));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      if ('events' in msg) return;
      ws.close();
      resolve(msg);
    });
    ws.once('error', reject);
  });
}

const INDEX_HTML = '<!doctype html><title>Hindsight</title><script type="module" src="/assets/app.js"></script>';

describe('UI server', () => {
  let t: TestCore;
  let ui: UiServer;
  let rendererDir: string;
  let outside: string;

  before(() => {
    rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    fs.writeFileSync(path.join(rendererDir, 'index.html'), INDEX_HTML);
    fs.mkdirSync(path.join(rendererDir, 'assets'));
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.css'), 'body{}');
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'SECRET');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(rendererDir, 'assets', 'leak.txt'));
  });
  after(() => {
    fs.rmSync(rendererDir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await openTestCore();
    ui = await startUiServer(t.core, { port: 0, rendererDir });
  });
  afterEach(async () => {
    await ui.close();
    await t.close();
  });

  const wsUrl = (query = '') => `ws://127.0.0.1:${ui.port}/api/ws${query}`;
  const bearer = () => ({ Authorization: `Bearer ${ui.token}` });
  const asProtocol = (token: string) => ['hindsight', `hindsight.token.${token}`];

  it('prints a loopback URL with a fresh 32-byte token in its fragment', () => {
    assert.deepStrictEqual(
      { url: ui.url, host: ui.host, tokenBytes: Buffer.from(ui.token, 'base64url').length },
      { url: `http://127.0.0.1:${ui.port}/#token=${ui.token}`, host: '127.0.0.1', tokenBytes: 32 },
    );
  });

  it('takes the WebSocket token as a subprotocol or a Bearer header, never in the URL; refuses other origins and hosts', async () => {
    const own = { Origin: `http://127.0.0.1:${ui.port}` };
    const statuses = {
      none: await handshake(wsUrl()),
      wrong: await handshake(wsUrl(), { headers: own, protocols: asProtocol((ui.token[0] === 'A' ? 'B' : 'A') + ui.token.slice(1)) }),
      empty: await handshake(wsUrl(), { headers: own, protocols: ['hindsight', 'hindsight.token.'] }),
      inQuery: await handshake(wsUrl(`?token=${encodeURIComponent(ui.token)}`)),
      otherOrigin: await handshake(wsUrl(), { headers: { Origin: 'http://evil.example' }, protocols: asProtocol(ui.token) }),
      rebound: await handshake(wsUrl(), { headers: { Host: `evil.example:${ui.port}`, Origin: `http://evil.example:${ui.port}` }, protocols: asProtocol(ui.token) }),
      wrongPath: await handshake(`ws://127.0.0.1:${ui.port}/ws`, { headers: bearer() }),
      ownOrigin: await handshake(wsUrl(), { headers: own, protocols: asProtocol(ui.token) }),
      localhost: await handshake(wsUrl(), { headers: { Host: `localhost:${ui.port}`, Origin: `http://localhost:${ui.port}` }, protocols: asProtocol(ui.token) }),
      bearerNoOrigin: await handshake(wsUrl(), { headers: bearer() }),
    };
    assert.deepStrictEqual(statuses, {
      none: 401,
      wrong: 401,
      empty: 401,
      inQuery: 401,
      otherOrigin: 403,
      rebound: 403,
      wrongPath: 404,
      ownOrigin: '101 hindsight',
      localhost: '101 hindsight',
      bearerNoOrigin: 101,
    });
  });

  it('refuses /api routes without the token or with it in the query; accepts it as a Bearer header', async () => {
    const replies = {
      none: await get(ui.port, '/api/ca.pem'),
      wrong: await get(ui.port, '/api/ca.pem?token=nope'),
      wrongBearer: await get(ui.port, '/api/ca.pem', { Authorization: 'Bearer nope' }),
      unknownRoute: await get(ui.port, '/api/nothing'),
      query: await get(ui.port, `/api/ca.pem?token=${ui.token}`),
      pemBearer: await get(ui.port, '/api/ca.pem', bearer()),
      bearer: await get(ui.port, '/api/ca.crt', bearer()),
    };
    assert.deepStrictEqual(
      {
        statuses: Object.fromEntries(Object.entries(replies).map(([k, r]) => [k, r.status])),
        challenge: replies.none.headers['www-authenticate'],
        queryRefusal: replies.query.body.toString(),
        pem: replies.pemBearer.body.toString(),
        pemType: replies.pemBearer.headers['content-type'],
        pemDisposition: replies.pemBearer.headers['content-disposition'],
        der: replies.bearer.body.equals(t.core.ca.certDer()),
        derType: replies.bearer.headers['content-type'],
      },
      {
        statuses: { none: 401, wrong: 401, wrongBearer: 401, unknownRoute: 401, query: 401, pemBearer: 200, bearer: 200 },
        queryRefusal: 'Unauthorized: tokens in URLs are refused; send the header Authorization: Bearer <token>\n',
        challenge: 'Bearer realm="hindsight"',
        pem: t.core.ca.certPem,
        pemType: 'application/x-pem-file',
        pemDisposition: 'attachment; filename="hindsight-ca.pem"',
        der: true,
        derType: 'application/x-x509-ca-cert',
      },
    );
  });

  it('refuses requests whose Host is not ours (DNS rebinding)', async () => {
    const reply = await get(ui.port, '/', { Host: `evil.example:${ui.port}` });
    assert.equal(reply.status, 403);
  });

  it('answers unknown methods and malformed frames over the socket with an error, not a crash', async () => {
    const url = wsUrl();
    assert.deepStrictEqual(
      {
        unknown: await rawCall(url, ui.token, JSON.stringify({ id: 3, method: 'fs.readFile', params: { path: '/etc/passwd' } })),
        prototype: await rawCall(url, ui.token, JSON.stringify({ id: 4, method: 'constructor', params: {} })),
        notJson: await rawCall(url, ui.token, '{nope'),
        noId: await rawCall(url, ui.token, JSON.stringify({ method: 'status.get' })),
      },
      {
        unknown: { id: 3, error: { message: 'unknown method: fs.readFile', code: 'unknown-method' } },
        prototype: { id: 4, error: { message: 'unknown method: constructor', code: 'unknown-method' } },
        notJson: { id: 0, error: { message: 'request must be a JSON text frame', code: 'bad-request' } },
        noId: { id: 0, error: { message: 'request id must be a positive integer', code: 'bad-request' } },
      },
    );
  });

  it('serves body bytes raw and decoded (gzip, br), as a download on request', async () => {
    const gz = await flowWithBody(t.core, 'gzip');
    const br = await flowWithBody(t.core, 'br', sample.text);
    await addFlows(t.core, [gz, br]);
    const route = (id: string, query = '') => `/api/flows/${encodeURIComponent(id)}/response/body${query}`;
    const raw = await get(ui.port, route(gz.id), bearer());
    const gunzipped = await get(ui.port, route(gz.id, '?decode=1'), bearer());
    const unbrotlied = await get(ui.port, route(br.id, '?decode=1&download=1'), bearer());
    const missing = await get(ui.port, route('no-such-flow'), bearer());
    const noRequestBody = await get(ui.port, `/api/flows/${gz.id}/request/body`, { Authorization: `Bearer ${ui.token}` });
    assert.deepStrictEqual(
      {
        raw: [raw.status, raw.body.equals(zlib.gzipSync(sample.json)) || zlib.gunzipSync(raw.body).equals(sample.json), raw.headers['content-type'], raw.headers['x-hindsight-content-encoding'], raw.headers['content-disposition']],
        gunzipped: [gunzipped.status, gunzipped.body.toString(), gunzipped.headers['content-length'], gunzipped.headers['x-hindsight-content-encoding']],
        unbrotlied: [unbrotlied.status, unbrotlied.body.toString(), unbrotlied.headers['content-disposition']],
        sandboxed: raw.headers['content-security-policy'],
        nosniff: raw.headers['x-content-type-options'],
        missing: missing.status,
        noRequestBody: [noRequestBody.status, noRequestBody.body.length],
      },
      {
        raw: [200, true, 'application/json', 'gzip', undefined],
        gunzipped: [200, sample.json.toString(), String(sample.json.length), undefined],
        unbrotlied: [200, sample.text.toString(), `attachment; filename="${br.id}-response"`],
        sandboxed: "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
        nosniff: 'nosniff',
        missing: 404,
        noRequestBody: [200, 0],
      },
    );
    assert.ok(raw.body.equals(await t.core.store.bodies.read(gz.response!.body)), 'raw bytes are the stored file');
  });

  it('serves the renderer with a strict CSP, correct types and an SPA fallback', async () => {
    const index = await get(ui.port, '/');
    const script = await get(ui.port, '/assets/app.js');
    const css = await get(ui.port, '/assets/app.css');
    const route = await get(ui.port, '/flows/abc');
    const missingAsset = await get(ui.port, '/assets/missing.js');
    const post = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: ui.port, path: '/', method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepStrictEqual(
      {
        index: [index.status, index.body.toString(), index.headers['content-type']],
        headers: {
          csp: index.headers['content-security-policy'],
          nosniff: index.headers['x-content-type-options'],
          referrer: index.headers['referrer-policy'],
        },
        script: [script.status, script.headers['content-type'], script.body.toString()],
        css: css.headers['content-type'],
        route: [route.status, route.body.toString()],
        missingAsset: missingAsset.status,
        post,
      },
      {
        index: [200, INDEX_HTML, 'text/html; charset=utf-8'],
        headers: {
          csp: `default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws://127.0.0.1:${ui.port}; object-src 'none'; frame-ancestors 'none'; base-uri 'none'`,
          nosniff: 'nosniff',
          referrer: 'no-referrer',
        },
        script: [200, 'text/javascript; charset=utf-8', 'console.log(1)'],
        css: 'text/css; charset=utf-8',
        route: [200, INDEX_HTML],
        missingAsset: 404,
        post: 405,
      },
    );
  });

  it('refuses paths that leave the renderer folder', async () => {
    const attempts = ['/..%2f..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%5c%2e%2e%5csecret.txt', '/assets/leak.txt', '/%00index.html'];
    const replies = await Promise.all(attempts.map((p) => get(ui.port, p)));
    assert.deepStrictEqual(
      replies.map((r) => [r.status, r.body.toString().includes('SECRET') || r.body.toString().includes('root:')]),
      attempts.map(() => [400, false]),
    );
    // A `..` the URL parser resolves stays inside the folder: the app, never the file outside.
    const dotted = await get(ui.port, '/../../../etc/passwd');
    assert.deepStrictEqual([dotted.status, dotted.body.toString()], [200, INDEX_HTML]);
  });

  it('says how to build the UI when dist/renderer is missing', async () => {
    const bare = await startUiServer(t.core, { port: 0, rendererDir: path.join(outside, 'no-build') });
    try {
      const reply = await get(bare.port, '/');
      assert.deepStrictEqual([reply.status, reply.headers['content-type'], /npm run build/.test(reply.body.toString())], [503, 'text/html; charset=utf-8', true]);
    } finally {
      await bare.close();
    }
  });

  it('close() ends connected sockets and stops listening', async () => {
    const ws = new WebSocket(wsUrl(), { headers: bearer() });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await ui.close();
    const code = await closed;
    const refused = await get(ui.port, '/').then(
      () => 'answered',
      (err: NodeJS.ErrnoException) => err.code,
    );
    assert.deepStrictEqual({ code, refused }, { code: 1001, refused: 'ECONNREFUSED' });
  });
});
