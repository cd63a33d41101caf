/**
 * The line `hindsight serve --log-bodies` writes: the `--log` line (electron/common/log-line.ts) plus what a
 * service owner ships to Elasticsearch — query, content types, client port, request id, both header sets
 * and both bodies. Field names are documented in the README ("Shipping log lines to Elasticsearch").
 */
import { headerValue, type Flow } from '../../common/flow';
import { headerObject, maskQuery } from '../../common/log-mask';
import { toLogLine, type LogLine } from '../../common/log-line';
import type { LoggedBody } from './body-text';

export interface DetailedLogLine extends LogLine {
  /** The query string without `?` (secret-named parameters masked), null when the URL has none. */
  query: string | null;
  /** The response's Content-Type, else the request's; null when neither says. */
  contentType: string | null;
  requestContentType: string | null;
  clientPort: number;
  /** The request's X-Request-Id (or X-Correlation-Id, Request-Id, X-Amzn-Trace-Id, the response's X-Request-Id), else the flow id. */
  requestId: string;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string> | null;
  requestBody: string | null;
  requestBodyEncoding: 'text' | 'base64';
  requestBodyTruncated: boolean;
  responseBody: string | null;
  responseBodyEncoding: 'text' | 'base64';
  responseBodyTruncated: boolean;
  /** Set when a stored body could not be read or decoded (the body fields are then null). */
  bodyError?: string;
}

const REQUEST_ID_HEADERS = ['x-request-id', 'x-correlation-id', 'request-id', 'x-amzn-trace-id'];

export function requestIdOf(flow: Flow): string {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headerValue(flow.request.headers, name);
    if (value) return value;
  }
  return (flow.response && headerValue(flow.response.headers, 'x-request-id')) || flow.id;
}

/** The base `--log` line with the URL's query masked when asked. */
export function maskedLogLine(flow: Flow, mask: boolean): LogLine {
  const line = toLogLine(flow);
  if (mask) line.url = urlAndQuery(line.url, true).url;
  return line;
}

/** The URL and its query (null without `?`), the query masked in both when asked: masked once for the two fields. */
function urlAndQuery(url: string, mask: boolean): { url: string; query: string | null } {
  const q = url.indexOf('?');
  if (q < 0) return { url, query: null };
  const raw = url.slice(q + 1);
  const query = mask ? maskQuery(raw) : raw;
  return { url: query === raw ? url : `${url.slice(0, q)}?${query}`, query };
}

/** `bodies` null: the line without bodies (the backlog was too long to read them; see FlowLogger). */
export function toDetailedLogLine(flow: Flow, bodies: { request: LoggedBody; response: LoggedBody } | null, mask: boolean): DetailedLogLine {
  const { url, query } = urlAndQuery(flow.request.url, mask);
  const requestContentType = flow.request.body.contentType ?? null;
  // Properties added to the base line one by one, not `{ ...base, query, … }`: in Node 20's V8 that literal
  // (a spread followed by 17 properties) cost ~38 µs per line, measured — more than the rest of the line,
  // JSON.stringify included; why V8 takes its slow path there was not established. Added in the same order
  // each time, the objects share one chain of hidden classes (~1.5 µs).
  const line = toLogLine(flow) as DetailedLogLine;
  line.url = url;
  line.query = query;
  line.contentType = flow.response?.body.contentType ?? requestContentType;
  line.requestContentType = requestContentType;
  line.clientPort = flow.client.port;
  line.requestId = requestIdOf(flow);
  line.requestHeaders = headerObject(flow.request.headers, mask);
  line.responseHeaders = flow.response ? headerObject(flow.response.headers, mask) : null;
  line.requestBody = bodies?.request.data ?? null;
  line.requestBodyEncoding = bodies?.request.encoding ?? 'text';
  line.requestBodyTruncated = bodies ? bodies.request.truncated : flow.request.body.size > 0;
  line.responseBody = bodies?.response.data ?? null;
  line.responseBodyEncoding = bodies?.response.encoding ?? 'text';
  line.responseBodyTruncated = bodies ? bodies.response.truncated : (flow.response?.body.size ?? 0) > 0;
  const problem = bodies ? [bodies.request.problem, bodies.response.problem].filter(Boolean).join('; ') : 'bodies skipped: the log fell too far behind';
  if (problem) line.bodyError = problem;
  return line;
}

/** What JSON.stringify writes for a body field held open while the rest of the line is stringified. */
const HOLE = '\u0000';
const HOLE_JSON = '\\u0000';

/** A line as written: its text, or its text in pieces with plain bodies' bytes between them (LoggedBody.bytes). */
export type LineText = string | Array<string | Buffer>;

/** The characters (bytes, for a body's ASCII bytes) of a line as written. */
export function lineLength(text: LineText): number {
  if (typeof text === 'string') return text.length;
  let n = 0;
  for (const piece of text) n += piece.length;
  return n;
}

/** A line as one string (for stdout; a body's bytes are ASCII). */
export function lineString(text: LineText): string {
  return typeof text === 'string' ? text : text.map((piece) => (typeof piece === 'string' ? piece : piece.toString('latin1'))).join('');
}

/** A line as one Buffer (a line longer than a log file's staging buffer takes). */
export function lineBuffer(text: LineText): Buffer {
  return typeof text === 'string' ? Buffer.from(text) : Buffer.concat(text.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

/**
 * The line as JSON text with its newline. A body that needs no escaping (LoggedBody.plain: base64, or ASCII
 * text without quotes, backslashes or control characters) is put between its quotes as it is instead of being
 * scanned again by JSON.stringify (~1.2 µs per KB; a 64 KB body is most of a line's cost); a body given as
 * bytes stays bytes, a piece of the returned line. `line` has null where a body is given as bytes.
 */
export function lineText(line: DetailedLogLine, bodies: { request: LoggedBody; response: LoggedBody } | null): LineText {
  const request = plainValue(bodies?.request, line.requestBody);
  const response = plainValue(bodies?.response, line.responseBody);
  if (request === null && response === null) return `${JSON.stringify(line)}\n`;
  const requestBefore = line.requestBody;
  const responseBefore = line.responseBody;
  if (request !== null) line.requestBody = HOLE;
  if (response !== null) line.responseBody = HOLE;
  const json = JSON.stringify(line);
  line.requestBody = requestBefore;
  line.responseBody = responseBefore;
  // Every quote inside a string value is escaped, so the first `"requestBody":"` is the field itself.
  const pieces: Array<string | Buffer> = [];
  let from = 0;
  for (const [key, value] of [['"requestBody":"', request], ['"responseBody":"', response]] as const) {
    if (value === null) continue;
    const at = json.indexOf(key + HOLE_JSON, from) + key.length;
    pieces.push(json.slice(from, at), value);
    from = at + HOLE_JSON.length;
  }
  pieces.push(`${json.slice(from)}\n`);
  return pieces.every((piece) => typeof piece === 'string') ? pieces.join('') : pieces;
}

/** The body to put between its quotes as it is (its bytes, or its text when plain), else null. */
function plainValue(body: LoggedBody | undefined, text: string | null): string | Buffer | null {
  if (!body?.plain) return null;
  return body.bytes ?? text;
}
