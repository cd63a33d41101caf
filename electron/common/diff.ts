/**
 * Comparing two flows (a replay with its original, or any two): method, URL, status, headers, bodies and
 * timings, as plain data the UI renders (flows.diff). Pure: the caller reads the bodies, undoes their
 * Content-Encoding and says whether each is text (electron/core/replay/diff-input.ts does that for the API).
 *
 * Headers compare by name without regard to case; each name's values compare as a list, in order, so a
 * duplicated header that lost a value shows as changed. Headers that differ on every request (Date, request
 * ids, trace context, ETag …: VOLATILE_HEADERS, replaceable per call) are left out when hiding volatile
 * ones, and only named in `hidden`; so is a Set-Cookie that differs only in Expires or Max-Age.
 * Bodies: JSON on both sides → changed paths; text → line hunks; anything else → equal or not, with sizes.
 */
import type { BodySide, Flow, FlowTimings, Headers } from './flow';
import { mediaType } from './flow';
import { diffJson, type JsonChange } from './diff-json';
import { diffText, type TextHunk } from './diff-text';

export type { JsonChange } from './diff-json';
export type { TextHunk, TextLine } from './diff-text';

/** Header names (lower case) that differ between otherwise equal exchanges. */
export const VOLATILE_HEADERS: Readonly<Record<BodySide, readonly string[]>> = {
  request: [
    'date',
    'traceparent',
    'tracestate',
    'baggage',
    'sentry-trace',
    'x-request-id',
    'x-correlation-id',
    'x-amzn-trace-id',
    'x-cloud-trace-context',
    'b3',
    'x-b3-traceid',
    'x-b3-spanid',
    'x-b3-parentspanid',
    'x-b3-sampled',
  ],
  response: [
    'date',
    'age',
    'expires',
    'last-modified',
    'etag',
    'x-request-id',
    'x-correlation-id',
    'x-amzn-requestid',
    'x-amzn-trace-id',
    'x-amz-request-id',
    'x-amz-id-2',
    'x-amz-cf-id',
    'cf-ray',
    'x-runtime',
    'x-response-time',
    'server-timing',
    'x-served-by',
    'x-cache',
    'x-cache-hits',
    'x-timer',
    'traceparent',
    'report-to',
    'nel',
  ],
};

/** A body as the diff reads it: absent, text (already content-decoded), or bytes that are not text. */
export type DiffBody =
  | { kind: 'none' }
  | ({ kind: 'text'; text: string } & BodySummary)
  | ({ kind: 'binary'; bytes: Uint8Array } & BodySummary);

export interface BodySummary {
  /** Bytes on the wire (the whole body, also when only part was stored). */
  size: number;
  /** Only the first part was stored: the comparison covers that part. */
  truncated: boolean;
  contentType?: string;
  /** The Content-Encoding could not be undone; the raw bytes were compared. */
  decodeError?: string;
  /** SHA-256 (hex) of the compared bytes, set by the reader for bodies that are not text. */
  sha256?: string;
}

export interface DiffInput {
  flow: Flow;
  request: DiffBody;
  response: DiffBody;
}

export interface DiffOptions {
  /** Leave volatile headers out of the changes (default true). */
  hideVolatile?: boolean;
  /** Replaces VOLATILE_HEADERS for that side (names, any case). */
  volatile?: Partial<Record<BodySide, string[]>>;
  /** Lines of context around text changes (default 3). */
  context?: number;
}

export interface ValueChange<T> {
  a?: T;
  b?: T;
}

export type HeaderChange =
  | { type: 'added'; name: string; values: string[] }
  | { type: 'removed'; name: string; values: string[] }
  | { type: 'changed'; name: string; a: string[]; b: string[] };

export interface HeadersDiff {
  changes: HeaderChange[];
  /** Header names (as spelled) equal on both sides. */
  unchanged: number;
  /** Volatile headers that differ and were left out of `changes`. */
  hidden: string[];
}

export type BodyDiff =
  | { kind: 'none' }
  | { kind: 'text'; same: boolean; a: BodySummary; b: BodySummary; hunks: TextHunk[]; skipped?: 'too-large' | 'too-different' }
  | { kind: 'json'; same: boolean; a: BodySummary; b: BodySummary; changes: JsonChange[]; more: number }
  | { kind: 'binary'; same: boolean; a: BodySummary; b: BodySummary };

type TimingPhase = Exclude<keyof FlowTimings, 'reusedConnection'>;
export interface TimingDiff {
  phase: TimingPhase;
  a?: number;
  b?: number;
  /** b − a, when both are known. */
  deltaMs?: number;
}

export interface FlowSideInfo {
  id: string;
  method: string;
  url: string;
  status?: number;
  startedAt: number;
  state: Flow['state'];
  replayOf?: string;
}

export interface FlowDiff {
  a: FlowSideInfo;
  b: FlowSideInfo;
  /** Nothing differs but timings and hidden volatile headers. */
  same: boolean;
  request: { method?: ValueChange<string>; url?: ValueChange<string>; headers: HeadersDiff; body: BodyDiff };
  response: { status?: ValueChange<number>; statusText?: ValueChange<string>; headers: HeadersDiff; body: BodyDiff };
  /** Set when the flows failed differently (or one failed): `phase: message` of each. */
  error?: ValueChange<string>;
  timings: { phases: TimingDiff[]; reusedConnection?: ValueChange<boolean> };
}

export function diffFlows(a: DiffInput, b: DiffInput, options: DiffOptions = {}): FlowDiff {
  const hide = options.hideVolatile ?? true;
  const volatile = (side: BodySide) => (hide ? new Set((options.volatile?.[side] ?? VOLATILE_HEADERS[side]).map((n) => n.toLowerCase())) : undefined);
  const context = options.context ?? 3;
  const ra = a.flow.request;
  const rb = b.flow.request;
  const request: FlowDiff['request'] = {
    ...change('method', ra.method, rb.method),
    ...change('url', ra.url, rb.url),
    headers: diffHeaders(ra.headers, rb.headers, volatile('request'), hide),
    body: diffBody(a.request, b.request, context),
  };
  const response: FlowDiff['response'] = {
    ...change('status', a.flow.response?.status, b.flow.response?.status),
    ...change('statusText', a.flow.response?.statusText, b.flow.response?.statusText),
    headers: diffHeaders(a.flow.response?.headers ?? [], b.flow.response?.headers ?? [], volatile('response'), hide),
    body: diffBody(a.response, b.response, context),
  };
  const errorOf = (f: Flow) => (f.error ? `${f.error.phase}: ${f.error.message}` : undefined);
  const error = change('error', errorOf(a.flow), errorOf(b.flow)).error;
  const result: FlowDiff = {
    a: sideInfo(a.flow),
    b: sideInfo(b.flow),
    same: false,
    request,
    response,
    timings: diffTimings(a.flow.timings, b.flow.timings),
  };
  if (error) result.error = error;
  result.same =
    !request.method &&
    !request.url &&
    request.headers.changes.length === 0 &&
    sameBody(request.body) &&
    !response.status &&
    !response.statusText &&
    response.headers.changes.length === 0 &&
    sameBody(response.body) &&
    !error;
  return result;
}

function sideInfo(flow: Flow): FlowSideInfo {
  const info: FlowSideInfo = { id: flow.id, method: flow.request.method, url: flow.request.url, startedAt: flow.startedAt, state: flow.state };
  if (flow.response) info.status = flow.response.status;
  if (flow.replayOf) info.replayOf = flow.replayOf;
  return info;
}

/** `{ [key]: { a, b } }` when the values differ, else `{}` (spread into the result). */
function change<K extends string, T>(key: K, a: T | undefined, b: T | undefined): { [P in K]?: ValueChange<T> } {
  if (a === b) return {};
  const c: ValueChange<T> = {};
  if (a !== undefined) c.a = a;
  if (b !== undefined) c.b = b;
  return { [key]: c } as { [P in K]?: ValueChange<T> };
}

const sameBody = (d: BodyDiff) => d.kind === 'none' || d.same;

// ---- headers

interface Group {
  name: string;
  values: string[];
}

function groups(headers: Headers): Map<string, Group> {
  const map = new Map<string, Group>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const g = map.get(key);
    if (g) g.values.push(value);
    else map.set(key, { name, values: [value] });
  }
  return map;
}

/** Set-Cookie without its expiry (Expires, Max-Age), which differs on every response that sets a session. */
function withoutExpiry(cookie: string): string {
  return cookie
    .split(';')
    .map((part) => part.trim())
    .filter((part) => !/^(expires|max-age)\s*=/i.test(part))
    .join('; ');
}

export function diffHeaders(a: Headers, b: Headers, volatile: ReadonlySet<string> | undefined, hideVolatile = volatile !== undefined): HeadersDiff {
  const ga = groups(a);
  const gb = groups(b);
  const changes: HeaderChange[] = [];
  const hidden: string[] = [];
  let unchanged = 0;
  const sameValues = (key: string, x: string[], y: string[]) => {
    const norm = hideVolatile && key === 'set-cookie' ? withoutExpiry : (v: string) => v;
    return x.length === y.length && x.every((v, i) => norm(v) === norm(y[i]));
  };
  const differs = (key: string, name: string, c: HeaderChange) => {
    if (volatile?.has(key)) hidden.push(name);
    else changes.push(c);
  };
  for (const [key, x] of ga) {
    const y = gb.get(key);
    if (!y) differs(key, x.name, { type: 'removed', name: x.name, values: x.values });
    else if (x.values.length === y.values.length && x.values.every((v, i) => v === y.values[i])) unchanged++;
    else if (sameValues(key, x.values, y.values)) hidden.push(x.name);
    else differs(key, x.name, { type: 'changed', name: x.name, a: x.values, b: y.values });
  }
  for (const [key, y] of gb) if (!ga.has(key)) differs(key, y.name, { type: 'added', name: y.name, values: y.values });
  return { changes, unchanged, hidden };
}

// ---- bodies

function summary(body: DiffBody): BodySummary {
  if (body.kind === 'none') return { size: 0, truncated: false };
  const s: BodySummary = { size: body.size, truncated: body.truncated };
  if (body.contentType) s.contentType = body.contentType;
  if (body.decodeError) s.decodeError = body.decodeError;
  if (body.sha256) s.sha256 = body.sha256;
  return s;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$|\/json$/;

/** The parsed JSON of a text body that is JSON by its type or its first character; undefined otherwise. */
function parsedJson(body: DiffBody): { value: unknown } | undefined {
  if (body.kind !== 'text') return undefined;
  const start = body.text.trimStart()[0];
  if (!JSON_TYPE.test(mediaType(body.contentType) ?? '') && start !== '{' && start !== '[') return undefined;
  try {
    return { value: JSON.parse(body.text) };
  } catch {
    return undefined;
  }
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function diffBody(a: DiffBody, b: DiffBody, context = 3): BodyDiff {
  if (a.kind === 'none' && b.kind === 'none') return { kind: 'none' };
  const sa = summary(a);
  const sb = summary(b);
  const sizesSame = sa.size === sb.size && sa.truncated === sb.truncated;
  if (a.kind === 'binary' || b.kind === 'binary') {
    const same = a.kind === 'binary' && b.kind === 'binary' && sizesSame && sameBytes(a.bytes, b.bytes);
    return { kind: 'binary', same, a: sa, b: sb };
  }
  const ja = parsedJson(a);
  const jb = parsedJson(b);
  if (ja && jb) {
    const { changes, more } = diffJson(ja.value, jb.value);
    // Equal values in other formatting (spaces, key order) are the same JSON.
    return { kind: 'json', same: changes.length === 0, a: sa, b: sb, changes, more };
  }
  const ta = a.kind === 'text' ? a.text : '';
  const tb = b.kind === 'text' ? b.text : '';
  const text = diffText(ta, tb, context);
  const result: BodyDiff = { kind: 'text', same: ta === tb && sizesSame, a: sa, b: sb, hunks: text.hunks };
  if (text.skipped) result.skipped = text.skipped;
  return result;
}

// ---- timings

const PHASES: TimingPhase[] = ['dnsMs', 'connectMs', 'tlsMs', 'sendMs', 'waitMs', 'receiveMs', 'totalMs'];

function diffTimings(a: FlowTimings, b: FlowTimings): FlowDiff['timings'] {
  const phases: TimingDiff[] = [];
  for (const phase of PHASES) {
    const x = a[phase];
    const y = b[phase];
    if (x === undefined && y === undefined) continue;
    const d: TimingDiff = { phase };
    if (x !== undefined) d.a = x;
    if (y !== undefined) d.b = y;
    if (x !== undefined && y !== undefined) d.deltaMs = y - x;
    phases.push(d);
  }
  const result: FlowDiff['timings'] = { phases };
  const reused = change('reusedConnection', a.reusedConnection, b.reusedConnection).reusedConnection;
  if (reused) result.reusedConnection = reused;
  return result;
}
