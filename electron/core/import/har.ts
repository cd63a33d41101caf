/**
 * HAR import: turns a HAR 1.2 file (Chrome/Firefox devtools, Playwright's recordHar, Hindsight's own
 * export) into flows and their body bytes, ready for the store. The file is read as a stream, one entry
 * at a time (a HAR with bodies can be larger than one JavaScript string may be), body texts streamed past
 * the parser in pieces (har-tokens.ts, har-body-text.ts), and checked whole before anything is returned:
 * one bad entry and nothing is imported, with the entry and field named.
 *
 * Imported flows are `imported: true`, `seq: 0` (the store assigns it), state 'completed', or 'failed'
 * when the response has status 0 (Chrome) or -1 (Playwright) or an error (`_error` from Chrome and Hindsight, `_failureText` from
 * Playwright). Body files hold bytes as received; HAR carries decoded content, so imported bodies have no
 * `encoding` even when a Content-Encoding header is listed. Hindsight's own `_` fields (see
 * ../export/har.ts) are read back, so an export imports as the same flows: trailers too (`_trailers`).
 */
import os from 'node:os';
import { messagesOfEntry, type ImportedMessage } from './har-messages';
import type { BodyBytes, BodyText, TextEncoding } from './har-body-text';
import { HarParser, type TextSide } from './har-tokens';
import { newFlowId } from '../capture/ids';
import { FLOW_SCHEMA, headerValue, type BodyRef, type Flow, type FlowError, type FlowErrorPhase, type FlowTimings, type Headers } from '../../common/flow';

/**
 * An entry's body bytes. While a HAR is scanned a large body text arrives as a StreamedBody
 * (har-body-text.ts), readable only during the onFlow call that hands it over; parseHar holds Buffers.
 */
export interface ImportedBodies<B extends BodyBytes = BodyBytes> {
  request: B | null;
  response: B | null;
  /** WebSocket messages (har-messages.ts), for the flow's message log. */
  messages?: ImportedMessage[];
}

export interface HarImport {
  flows: Flow[];
  /** Body bytes by flow id; the flows' BodyRefs have no `blob` until the store writes these. */
  bodies: Map<string, ImportedBodies<Buffer>>;
  creator?: { name: string; version: string };
}

/** A file that is not a usable HAR; `problems` names each bad entry and field. */
export class HarImportError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `not a usable HAR file: ${problems[0]}` : `not a usable HAR file:\n  ${problems.join('\n  ')}`);
    this.name = 'HarImportError';
  }
}

/** Reports at most this many bad entries; the rest are counted. */
const MAX_PROBLEMS = 10;
const PHASES: readonly FlowErrorPhase[] = ['client', 'dns', 'connect', 'tls', 'upstream', 'timeout', 'rule', 'store'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Thrown inside one entry's conversion; the entry index is added by the caller. */
class FieldError extends Error {}

function need<T>(ok: boolean, value: T, field: string, what: string): T {
  if (!ok) throw new FieldError(`${field} ${what}`);
  return value;
}
const at = (field: string, key: string) => (field ? `${field}.${key}` : key);
const str = (o: Json, key: string, field: string): string => need(typeof o[key] === 'string', o[key] as string, at(field, key), 'must be a string');
const optStr = (o: Json, key: string, field: string): string | undefined => (o[key] === undefined || o[key] === null ? undefined : str(o, key, field));
const obj = (o: Json, key: string, field: string): Json => need(isObject(o[key]), o[key] as Json, at(field, key), 'must be an object');
const optNum = (o: Json, key: string): number | undefined => (typeof o[key] === 'number' && Number.isFinite(o[key]) ? (o[key] as number) : undefined);

/** A HAR name/value list (`headers`, or Hindsight's `_trailers`) as Headers; absent: undefined. */
function fieldsOf(o: Json, key: string, field: string): Headers | undefined {
  if (o[key] === undefined) return undefined;
  const list = need(Array.isArray(o[key]), o[key] as unknown[], `${field}.${key}`, 'must be an array');
  return list.map((h, i) => {
    const at = `${field}.${key}[${i}]`;
    need(isObject(h), h, at, 'must be an object with name and value');
    return [str(h as Json, 'name', at), str(h as Json, 'value', at)];
  });
}

const headersOf = (o: Json, field: string): Headers => fieldsOf(o, 'headers', field) ?? [];

/** HAR writes "HTTP/1.1"; Chrome writes "http/2.0", "h2", "h3" or "unknown". */
function httpVersionOf(v: string | undefined): string {
  if (!v) return '1.1';
  const m = /^(?:https?\/)?(\d(?:\.\d)?)$/i.exec(v.trim());
  if (m) return m[1];
  const h = /^h(\d)$/i.exec(v.trim());
  return h ? `${h[1]}.0` : '1.1';
}

function encodingOf(encoding: unknown, field: string): TextEncoding {
  if (encoding === undefined || encoding === null || encoding === '') return 'utf8';
  return need(encoding === 'base64', 'base64' as const, `${field}.encoding`, `'${String(encoding)}' is not supported (only base64)`);
}

/** A body's bytes from its text: the string, or the same text streamed past the parser (`streamed`). */
function bytesOf(text: string | undefined, encoding: unknown, field: string, streamed?: BodyText): BodyBytes | null {
  if (text === undefined) return null;
  const as = encodingOf(encoding, field);
  if (streamed) {
    need(as === 'utf8' || streamed.isBase64(), 0, `${field}.text`, 'is not valid base64');
    return streamed.as(as);
  }
  if (as === 'utf8') return Buffer.from(text, 'utf8');
  const compact = text.replace(/\s+/g, '');
  need(/^[A-Za-z0-9+/]*={0,2}$/.test(compact) && compact.length % 4 !== 1, 0, `${field}.text`, 'is not valid base64');
  return Buffer.from(compact, 'base64');
}

function bodyRef(bytes: BodyBytes | null, truncated: boolean, declaredSize: number | undefined, contentType: string | undefined): BodyRef {
  const stored = bytes?.length ?? 0;
  const ref: BodyRef = { size: truncated && declaredSize !== undefined && declaredSize > stored ? declaredSize : stored, storedSize: stored, truncated };
  if (contentType) ref.contentType = contentType;
  return ref;
}

/** Request body: postData.text (with Hindsight's `_encoding`), or a form rebuilt from postData.params. */
function requestBody(request: Json, headers: Headers, streamed: BodyText | undefined): { bytes: BodyBytes | null; ref: BodyRef } {
  if (request.postData === undefined || request.postData === null) return { bytes: null, ref: bodyRef(null, false, undefined, undefined) };
  const postData = obj(request, 'postData', 'request');
  const field = 'request.postData';
  let text = optStr(postData, 'text', field);
  const fromText = text !== undefined;
  if (text === undefined && Array.isArray(postData.params)) {
    text = postData.params
      .map((p, i) => {
        need(isObject(p), p, `${field}.params[${i}]`, 'must be an object');
        return `${encodeURIComponent(str(p as Json, 'name', `${field}.params[${i}]`))}=${encodeURIComponent(optStr(p as Json, 'value', `${field}.params[${i}]`) ?? '')}`;
      })
      .join('&');
  }
  const bytes = bytesOf(text, postData._encoding ?? postData.encoding, field, fromText ? streamed : undefined);
  const contentType = headerValue(headers, 'content-type') ?? (optStr(postData, 'mimeType', field) || undefined);
  const size = optNum(request, 'bodySize');
  return { bytes: bytes?.length ? bytes : null, ref: bodyRef(bytes, postData._truncated === true, size, contentType) };
}

/** Chrome's net::ERR_… names and Node's error codes, sorted into Hindsight's phases. */
function guessPhase(message: string): FlowErrorPhase {
  if (/NAME_NOT_RESOLVED|ENOTFOUND|EAI_AGAIN|dns/i.test(message)) return 'dns';
  if (/CERT|SSL|TLS/i.test(message)) return 'tls';
  if (/TIMED_OUT|TIMEOUT/i.test(message)) return 'timeout';
  if (/CONNECTION_REFUSED|ECONNREFUSED|ADDRESS_UNREACHABLE|EHOSTUNREACH|ENETUNREACH/i.test(message)) return 'connect';
  return 'upstream';
}

function timingsOf(entry: Json): FlowTimings {
  const t = isObject(entry.timings) ? entry.timings : {};
  const known = (key: string) => {
    const n = optNum(t, key);
    return n !== undefined && n >= 0 ? n : undefined;
  };
  // Rounded to a microsecond so connect − ssl gives back what was added on export.
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const timings: FlowTimings = {};
  const dns = known('dns');
  const connect = known('connect');
  const ssl = known('ssl');
  if (dns !== undefined) timings.dnsMs = dns;
  if (connect !== undefined) timings.connectMs = round(connect - (ssl ?? 0));
  if (ssl !== undefined) timings.tlsMs = ssl;
  for (const [har, key] of [['send', 'sendMs'], ['wait', 'waitMs'], ['receive', 'receiveMs']] as const) {
    const n = known(har);
    if (n !== undefined) timings[key] = n;
  }
  const time = optNum(entry, 'time');
  if (time !== undefined && time >= 0) timings.totalMs = time;
  if (typeof entry._reusedConnection === 'boolean') timings.reusedConnection = entry._reusedConnection;
  return timings;
}

function serverOf(entry: Json, url: string): Flow['server'] {
  const ip = typeof entry.serverIPAddress === 'string' && entry.serverIPAddress ? entry.serverIPAddress.replace(/^\[(.*)\]$/, '$1') : undefined;
  const host = typeof entry._serverHost === 'string' ? entry._serverHost : undefined;
  const port = optNum(entry, '_serverPort');
  if (!ip && host === undefined && port === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const server: NonNullable<Flow['server']> = {
    host: host ?? parsed?.hostname.replace(/^\[(.*)\]$/, '$1') ?? '',
    port: port ?? (parsed ? Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80) : 0),
  };
  if (ip) server.ip = ip;
  if (isObject(entry._tls)) server.tls = entry._tls as NonNullable<Flow['server']>['tls'];
  else if (isObject(entry._securityDetails) && typeof entry._securityDetails.protocol === 'string') server.tls = { version: entry._securityDetails.protocol };
  return server;
}

/** Deeper than any HAR a tool writes; a document nested past it is refused, not parsed into a stack overflow. */
export const MAX_ENTRY_DEPTH = 64;

/** The entry field holding a value nested deeper than MAX_ENTRY_DEPTH, or undefined (iterative: no recursion). */
function tooDeep(entry: Json): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: entry, path: '', depth: 1 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    // The entry's own field is named: the full path would be as long as the nesting.
    if (depth > MAX_ENTRY_DEPTH) return path.split(/[.[]/, 1)[0];
    const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const k of keys) {
      const child = (value as Record<string | number, unknown>)[k];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, path: typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return undefined;
}

function appliedRulesOf(entry: Json): Flow['appliedRules'] {
  if (entry._appliedRules === undefined) return [];
  const list = need(Array.isArray(entry._appliedRules), entry._appliedRules as unknown[], '_appliedRules', 'must be an array');
  return list.map((r, i) => {
    need(isObject(r), r, `_appliedRules[${i}]`, 'must be an object with id and kind');
    str(r as Json, 'id', `_appliedRules[${i}]`);
    str(r as Json, 'kind', `_appliedRules[${i}]`);
    return r as Flow['appliedRules'][number];
  });
}

/** `texts`: the entry's body texts that were streamed past the parser (their fields hold ''). */
function toFlow(entry: Json, texts: ReadonlyMap<TextSide, BodyText>): { flow: Flow; bodies: ImportedBodies } {
  const deep = tooDeep(entry);
  need(deep === undefined, 0, deep ?? '', `is nested more than ${MAX_ENTRY_DEPTH} levels deep (the limit for a HAR entry)`);
  const started = Date.parse(str(entry, 'startedDateTime', ''));
  need(!Number.isNaN(started), 0, 'startedDateTime', 'is not a date');
  const request = obj(entry, 'request', '');
  const method = str(request, 'method', 'request');
  need(method.length > 0, 0, 'request.method', 'is empty');
  const url = str(request, 'url', 'request');
  need(/^[a-z][a-z0-9+.-]*:\/\/./i.test(url), 0, 'request.url', `'${url.slice(0, 80)}' is not an absolute URL`);
  const requestHeaders = headersOf(request, 'request');
  const reqBody = requestBody(request, requestHeaders, texts.get('request'));

  const response = obj(entry, 'response', '');
  // 0 (Chrome) and -1 (Playwright) stand for "no response".
  const status = need(Number.isInteger(response.status), response.status as number, 'response.status', 'must be a whole number');
  const responseHeaders = headersOf(response, 'response');
  const content = response.content === undefined ? {} : obj(response, 'content', 'response');
  const respBytes = bytesOf(optStr(content, 'text', 'response.content'), content.encoding, 'response.content', texts.get('response'));
  const respType = headerValue(responseHeaders, 'content-type') ?? (optStr(content, 'mimeType', 'response.content') || undefined);
  const failure = optStr(response, '_error', 'response') ?? optStr(response, '_failureText', 'response');

  const flow: Flow = {
    // Ids like captured ones (12 characters), so imported and captured flows read alike everywhere.
    id: newFlowId(),
    seq: 0,
    schema: FLOW_SCHEMA,
    startedAt: started,
    state: status <= 0 || failure ? 'failed' : 'completed',
    client: { ip: typeof entry._clientIp === 'string' ? entry._clientIp : '', port: optNum(entry, '_clientPort') ?? 0 },
    request: { method, url, httpVersion: httpVersionOf(optStr(request, 'httpVersion', 'request')), headers: requestHeaders, body: reqBody.ref },
    timings: timingsOf(entry),
    appliedRules: appliedRulesOf(entry),
    imported: true,
  };
  const server = serverOf(entry, url);
  if (server) flow.server = server;
  // Fields after the body (HTTP/2, chunked HTTP/1.1), which HAR has no place for: Hindsight's `_trailers`.
  const requestTrailers = fieldsOf(request, '_trailers', 'request');
  if (requestTrailers?.length) flow.request.trailers = requestTrailers;
  if (status > 0) {
    flow.response = {
      status,
      statusText: optStr(response, 'statusText', 'response') ?? '',
      headers: responseHeaders,
      body: bodyRef(respBytes, content._truncated === true, optNum(content, 'size'), respType),
    };
    const responseTrailers = fieldsOf(response, '_trailers', 'response');
    if (responseTrailers?.length) flow.response.trailers = responseTrailers;
  }
  if (flow.state === 'failed') {
    const message = failure ?? 'no response';
    const phase = PHASES.includes(entry._errorPhase as FlowErrorPhase) ? (entry._errorPhase as FlowErrorPhase) : guessPhase(message);
    flow.error = { phase, message } satisfies FlowError;
  }
  if (typeof entry._replayOf === 'string') flow.replayOf = entry._replayOf;
  if (entry._websocket === true) flow.websocket = true;
  if (entry._pinned === true) flow.pinned = true;
  if (Array.isArray(entry._tags) && entry._tags.every((t) => typeof t === 'string')) flow.tags = entry._tags as string[];
  if (typeof entry.comment === 'string' && entry.comment) flow.comment = entry.comment;
  const messages = messagesOfEntry(entry, (field, what) => need(false, undefined as never, field, what));
  if (messages) flow.websocket = true;
  return { flow, bodies: { request: reqBody.bytes, response: status > 0 && respBytes?.length ? respBytes : null, ...(messages ? { messages } : {}) } };
}

/** Text is handed to the parser a slice at a time: it would otherwise encode the whole document at once. */
const TEXT_SLICE = 1024 * 1024;

async function* chunksOf(input: string | Buffer | AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
  // The tokenizer holds back a surrogate half at a slice's end until the next slice.
  if (typeof input === 'string') for (let i = 0; i < input.length; i += TEXT_SLICE) yield input.slice(i, i + TEXT_SLICE);
  else if (Buffer.isBuffer(input)) yield input;
  else yield* input;
}

/** What one pass over a HAR found. */
export interface HarScan {
  /** Entries read (all of them valid: a bad entry throws). */
  count: number;
  creator?: { name: string; version: string };
  /** Each entry's start time and pinned mark, in file order (with `times`). */
  times?: EntryTimes;
}

export interface EntryTimes {
  startedAt: number[];
  pinned: boolean[];
}

export interface ScanOptions {
  /** The entries handed to onFlow, by index (default: all); the others are checked and counted only. */
  select?: (entry: number) => boolean;
  /** Where a body text too large to hold waits while its entry is read (default: the system's temp folder). */
  spoolDir?: string;
  /** Collect each entry's start time and pinned mark (HarScan.times): about 16 bytes an entry. */
  times?: boolean;
}

/**
 * One pass over a HAR document (text, bytes, or a stream such as fs.createReadStream), entry by entry: each
 * valid entry is handed to `onFlow` as soon as it is read and then let go, so memory does not grow with
 * the number of entries, nor with the size of a body (body texts are streamed past the parser: har-tokens.ts;
 * a StreamedBody in `bodies` is readable only during the call). Throws HarImportError naming the bad entries
 * and fields when the file is not JSON, not a HAR, or any entry is bad; `onFlow` stops being called at the
 * first bad entry. To import all or nothing, check the file first (a pass without onFlow), then read it
 * again with onFlow (importHar does).
 */
export async function scanHar(
  input: string | Buffer | AsyncIterable<Buffer | string>,
  onFlow?: (flow: Flow, bodies: ImportedBodies) => void,
  options: ScanOptions = {},
): Promise<HarScan> {
  const problems: string[] = [];
  let badEntries = 0;
  let count = 0;
  let version: unknown;
  let creator: HarScan['creator'];
  let entriesIsArray = true;
  let bytes = 0;
  const times: EntryTimes | undefined = options.times ? { startedAt: [], pinned: [] } : undefined;
  const handed = (entry: number) => onFlow !== undefined && (options.select?.(entry) ?? true);
  const spool = { spoolDir: options.spoolDir ?? os.tmpdir() };

  // Body texts keep their bytes only where they will be stored; the checking pass keeps none.
  const parser = new HarParser(['$.log.version', '$.log.creator', '$.log.entries.*'], (entry) => (handed(entry) ? spool : false));
  parser.onValue = ({ value, key, stack }) => {
    const path = stack.map((s) => s.key).slice(1);
    if (path.length === 1 && key === 'version') version = value;
    else if (path.length === 1 && key === 'creator') {
      if (isObject(value) && typeof value.name === 'string' && typeof value.version === 'string') creator = { name: value.name, version: value.version };
    } else if (path.length === 2 && path[1] === 'entries') {
      const texts = parser.takeTexts();
      try {
        if (typeof key !== 'number') {
          entriesIsArray = false;
          return;
        }
        need(isObject(value), 0, 'the entry', 'must be an object');
        const { flow, bodies } = toFlow(value as Json, texts);
        count++;
        if (times) {
          times.startedAt.push(flow.startedAt);
          times.pinned.push(flow.pinned === true);
        }
        if (problems.length === 0 && handed(key)) onFlow?.(flow, bodies);
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        badEntries++;
        if (problems.length < MAX_PROBLEMS) problems.push(`entry ${key}: ${err.message}`);
      } finally {
        for (const text of texts.values()) text.dispose();
      }
    }
  };
  try {
    for await (const chunk of chunksOf(input)) {
      bytes += chunk.length;
      parser.write(chunk);
    }
    if (bytes === 0) throw new HarImportError(['the file is empty']);
    if (!parser.isEnded) parser.end();
  } catch (err) {
    // A spool file that cannot be written is the disk's problem, not the file's.
    if (err instanceof HarImportError || (err as NodeJS.ErrnoException).syscall) throw err;
    throw new HarImportError([`not valid JSON (${(err as Error).message})`]);
  } finally {
    parser.dispose();
  }
  if (badEntries > problems.length) problems.push(`… and ${badEntries - problems.length} more bad entries`);
  const kind = parser.entriesKind;
  if (!entriesIsArray || kind === 'other') problems.unshift('log.entries must be an array');
  else if (kind === undefined && version !== undefined) problems.unshift('no log.entries: a HAR lists its requests in log.entries');
  if (typeof version !== 'string') problems.unshift(version === undefined ? 'no log.version: this is not a HAR file (expected {"log": {"version": "1.2", "entries": [...]}})' : 'log.version must be a string');
  if (problems.length) throw new HarImportError(problems);
  const scan: HarScan = { count };
  if (creator) scan.creator = creator;
  if (times) scan.times = times;
  return scan;
}

/**
 * Reads a whole HAR into flows and bodies held in memory (tests and small files; imports use importHar,
 * which streams). Throws HarImportError, and returns nothing, when the file is bad.
 */
export async function parseHar(input: string | Buffer | AsyncIterable<Buffer | string>): Promise<HarImport> {
  const flows: Flow[] = [];
  const bodies = new Map<string, ImportedBodies<Buffer>>();
  const whole = (b: BodyBytes | null) => (b === null || Buffer.isBuffer(b) ? b : b.toBuffer());
  const scan = await scanHar(input, (flow, b) => {
    flows.push(flow);
    bodies.set(flow.id, { ...b, request: whole(b.request), response: whole(b.response) });
  });
  const result: HarImport = { flows, bodies };
  if (scan.creator) result.creator = scan.creator;
  return result;
}
