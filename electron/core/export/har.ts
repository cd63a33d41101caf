/**
 * HAR 1.2 export (http://www.softwareishard.com/blog/har-12-spec/), read back by ../import/har.ts.
 *
 * Bodies are included whole: text as text, anything else base64 (`content.encoding: 'base64'`; HAR has no
 * encoding for postData, so request bodies use the custom `_encoding`). Compressed bodies are decoded for
 * `content.text`, as browsers do. A body the store cut at its cap is marked `_truncated: true` with a
 * comment. What HAR has no field for travels in `_` fields, so an exported flow imports back the same:
 * `_flowId`, `_clientIp`, `_clientPort`, `_serverHost`, `_serverPort` (Playwright's name), `_tls`,
 * `_reusedConnection`, `_errorPhase` (+ Chrome's `response._error`), `_appliedRules`, `_replayOf`,
 * `_websocket`, `_pinned`, `_tags`. A WebSocket's messages go in `_webSocketMessages`, as Chromium exports them.
 * Trailer fields (HTTP/2, chunked HTTP/1.1; gRPC's status) go in `request._trailers` and `response._trailers`,
 * name/value lists like `headers`.
 */
import type { Writable } from 'node:stream';
import type { Content, Cookie, Entry, Header, PostData, QueryString, Request, Response, Timings } from 'har-format';
import { parseSetCookie } from 'set-cookie-parser';
import { headerValue, type BodyRef, type Flow, type Headers } from '../../common/flow';
import { utf8Text } from './body';
import { decodeStoredBody } from '../store/body-read';
import { ExportOutput } from './output';
import type { ExportRecord } from './records';
import type { FlowMessage } from '../../common/message';

export interface HarOptions {
  /** Hindsight's version, for log.creator. */
  version: string;
}

/** Custom fields on a body (content or postData). */
interface BodyExtras {
  _truncated?: true;
  _encoding?: 'base64';
}

const toHarHeaders = (headers: Headers): Header[] => headers.map(([name, value]) => ({ name, value }));

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function queryString(url: string): QueryString[] {
  const q = url.replace(/#.*$/, '').split('?').slice(1).join('?');
  if (!q) return [];
  return q.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? { name: decodeComponent(pair), value: '' } : { name: decodeComponent(pair.slice(0, eq)), value: decodeComponent(pair.slice(eq + 1)) };
  });
}

function requestCookies(headers: Headers): Cookie[] {
  const cookies: Cookie[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'cookie') continue;
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0) cookies.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
    }
  }
  return cookies;
}

function responseCookies(headers: Headers): Cookie[] {
  const values = headers.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, v]) => v);
  return parseSetCookie(values, { decodeValues: false }).map((c) => {
    const cookie: Cookie = { name: c.name, value: c.value };
    if (c.path) cookie.path = c.path;
    if (c.domain) cookie.domain = c.domain;
    if (c.expires && !Number.isNaN(c.expires.getTime())) cookie.expires = c.expires.toISOString();
    if (c.httpOnly) cookie.httpOnly = true;
    if (c.secure) cookie.secure = true;
    return cookie;
  });
}

interface HarBody {
  text?: string;
  encoding?: 'base64';
  /** Decoded length when known. */
  size: number;
  /** Bytes saved by compression (decoded − stored), when a content-encoding was undone. */
  compression?: number;
  comment?: string;
  truncated: boolean;
}

async function harBody(stored: Buffer | null, ref: BodyRef): Promise<HarBody> {
  const notes: string[] = [];
  if (ref.truncated) notes.push(`truncated: only the first ${ref.storedSize} of ${ref.size} bytes were stored`);
  if (!stored || stored.length === 0) {
    if (ref.size > 0 && !ref.truncated) notes.push(`the body (${ref.size} bytes) was not stored`);
    return { size: ref.size, truncated: ref.truncated, ...(notes.length ? { comment: notes.join('; ') } : {}) };
  }
  const decoded = await decodeStoredBody(stored, ref);
  if (decoded.error) notes.push(`${decoded.error}; the text is the stored bytes`);
  const text = utf8Text(decoded.bytes);
  const body: HarBody =
    text !== null ? { text, size: decoded.bytes.length, truncated: ref.truncated } : { text: decoded.bytes.toString('base64'), encoding: 'base64', size: decoded.bytes.length, truncated: ref.truncated };
  if (ref.truncated) body.size = ref.size;
  else if (decoded.decoded) body.compression = decoded.bytes.length - stored.length;
  if (notes.length) body.comment = notes.join('; ');
  return body;
}

function mimeTypeOf(ref: BodyRef, headers: Headers): string {
  return ref.contentType ?? headerValue(headers, 'content-type') ?? '';
}

/** As Chrome's DevTools writes it (test/fixtures/har/chrome-devtools.har): "http/2.0" for HTTP/2, "HTTP/1.1" otherwise. */
export function harHttpVersion(httpVersion: string): string {
  return httpVersion === '2' || httpVersion === '2.0' ? 'http/2.0' : `HTTP/${httpVersion}`;
}

async function harRequest(flow: Flow, stored: Buffer | null): Promise<Request> {
  const { method, url, httpVersion, headers, body: ref } = flow.request;
  const request: Request & { _trailers?: Header[] } = {
    method,
    url,
    httpVersion: harHttpVersion(httpVersion),
    cookies: requestCookies(headers),
    // Chrome lists an h2 request's pseudo-headers first among its headers; so does Hindsight.
    headers: toHarHeaders([...(flow.request.pseudoHeaders ?? []), ...headers]),
    queryString: queryString(url),
    headersSize: -1,
    bodySize: ref.size,
  };
  if (flow.request.trailers?.length) request._trailers = toHarHeaders(flow.request.trailers);
  if (ref.size > 0 || (stored && stored.length > 0)) {
    const body = await harBody(stored, ref);
    const postData: PostData & BodyExtras = { mimeType: mimeTypeOf(ref, headers), text: body.text ?? '' };
    if (body.encoding) postData._encoding = 'base64';
    if (body.truncated) postData._truncated = true;
    if (body.comment) postData.comment = body.comment;
    request.postData = postData;
  }
  return request;
}

async function harResponse(flow: Flow, stored: Buffer | null): Promise<Response> {
  const response = flow.response;
  // Chrome marks a failed request with response._error; Hindsight keeps the message there too.
  const harResponse: Response & { _error?: string; _trailers?: Header[] } = response
    ? {
        status: response.status,
        statusText: response.statusText,
        httpVersion: harHttpVersion(flow.request.httpVersion),
        cookies: responseCookies(response.headers),
        headers: toHarHeaders(response.headers),
        content: await harContent(stored, response.body, response.headers),
        redirectURL: headerValue(response.headers, 'location') ?? '',
        headersSize: -1,
        bodySize: response.body.size,
        ...(response.trailers?.length ? { _trailers: toHarHeaders(response.trailers) } : {}),
      }
    : { status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: -1 };
  if (flow.error) harResponse._error = flow.error.message;
  return harResponse;
}

async function harContent(stored: Buffer | null, ref: BodyRef, headers: Headers): Promise<Content> {
  const body = await harBody(stored, ref);
  const content: Content & BodyExtras = { size: body.size, mimeType: mimeTypeOf(ref, headers) };
  if (body.compression !== undefined) content.compression = body.compression;
  if (body.text !== undefined) content.text = body.text;
  if (body.encoding) content.encoding = body.encoding;
  if (body.truncated) content._truncated = true;
  if (body.comment) content.comment = body.comment;
  return content;
}

const ms = (n: number | undefined): number => (n === undefined ? -1 : n);

function harTimings(flow: Flow): { timings: Timings; time: number } {
  const t = flow.timings;
  const timings: Timings = {
    blocked: -1,
    dns: ms(t.dnsMs),
    // HAR counts the TLS handshake inside connect as well as in ssl.
    connect: t.connectMs === undefined ? -1 : t.connectMs + (t.tlsMs ?? 0),
    ssl: ms(t.tlsMs),
    send: ms(t.sendMs),
    wait: ms(t.waitMs),
    receive: ms(t.receiveMs),
  };
  const phases = [t.dnsMs, t.connectMs, t.tlsMs, t.sendMs, t.waitMs, t.receiveMs].filter((n): n is number => n !== undefined);
  return { timings, time: t.totalMs ?? phases.reduce((a, b) => a + b, 0) };
}

export async function toHarEntry({ flow, request, response, messages }: ExportRecord): Promise<Entry> {
  const { timings, time } = harTimings(flow);
  const entry: Entry = {
    startedDateTime: new Date(flow.startedAt).toISOString(),
    time,
    request: await harRequest(flow, request),
    response: await harResponse(flow, response),
    cache: {},
    timings,
    _flowId: flow.id,
    _clientIp: flow.client.ip,
    _clientPort: flow.client.port,
  };
  if (flow.server) {
    if (flow.server.ip) entry.serverIPAddress = flow.server.ip;
    entry._serverHost = flow.server.host;
    entry._serverPort = flow.server.port;
    if (flow.server.tls) entry._tls = flow.server.tls;
  }
  if (flow.timings.reusedConnection !== undefined) entry._reusedConnection = flow.timings.reusedConnection;
  if (flow.error) entry._errorPhase = flow.error.phase;
  if (flow.appliedRules.length) entry._appliedRules = flow.appliedRules;
  if (flow.replayOf) entry._replayOf = flow.replayOf;
  if (flow.websocket) entry._websocket = true;
  if (flow.pinned) entry._pinned = true;
  if (flow.tags?.length) entry._tags = flow.tags;
  if (flow.comment) entry.comment = flow.comment;
  if (messages) entry._webSocketMessages = messages.map(toWebSocketMessage);
  return entry;
}

const OPCODES: Record<string, number> = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

/**
 * One message as Chromium's DevTools exports it (type, time in epoch seconds, opcode, data: text, or base64
 * for binary frames), plus what Chromium has no field for: `_closeCode`, `_injected`, `_size`, `_truncated`.
 */
type HarWebSocketMessage = { type: 'send' | 'receive'; time: number; opcode: number; data: string } & Record<string, unknown>;

function toWebSocketMessage(m: FlowMessage): HarWebSocketMessage {
  const out: HarWebSocketMessage = { type: m.dir === 'to-server' ? 'send' : 'receive', time: m.at / 1000, opcode: OPCODES[m.kind] ?? 1, data: m.text ?? m.base64 ?? '' };
  if (m.closeCode !== undefined) out._closeCode = m.closeCode;
  if (m.injected) out._injected = true;
  if (m.size !== Buffer.byteLength(String(out.data), m.base64 !== undefined ? 'base64' : 'utf8')) out._size = m.size;
  if (m.truncated) out._truncated = true;
  return out;
}

/**
 * Streams a HAR document: the log header, then one entry per record as it arrives, then the footer.
 * Waits on the stream's backpressure; never holds more than one entry. The caller ends `out`.
 */
export async function writeHar(records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>, out: Writable, options: HarOptions): Promise<{ count: number }> {
  const output = new ExportOutput(out);
  const creator = JSON.stringify({ name: 'Hindsight', version: options.version });
  await output.write(`{"log":{"version":"1.2","creator":${creator},"pages":[],"entries":[`);
  let count = 0;
  for await (const record of records) {
    await output.write(`${count ? ',' : ''}\n${JSON.stringify(await toHarEntry(record))}`);
    count++;
  }
  await output.write('\n]}}\n');
  await output.flush();
  return { count };
}
