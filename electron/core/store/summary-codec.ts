/**
 * A flow summary as bytes, so the store's list of every stored flow (summaries.ts) lives outside the
 * JavaScript heap (issues 16 and 17, peak RSS). As objects, 60,000 summaries were 20–25 MB of live heap,
 * which V8's growing factor turns into two or three times that of heap limit under load; as records in
 * buffers they take under half the bytes (185 against 397 a summary with its share of the columns and the id
 * table, `npm run bench summary-memory`) and the collector neither copies nor multiplies them.
 *
 * A record: flags (which optional fields are there, the booleans), then the numbers of the texts kept in the
 * string table (state, client address, method, host, and when present content type, User-Agent and node), the
 * id, the URL, the path (most often the URL's end, then only its length), the numbers, and the rarer texts.
 * seq and startedAt are not in the record: the list keeps them in columns, for its orders.
 * Exact: a record decodes to an object deep-equal to the summary encoded (any string, any number).
 */
import type { FlowState, FlowSummary } from '../../common/flow';
import type { StringTable } from './string-table';

const PINNED = 1 << 0;
const HAS_STATUS = 1 << 1;
const HAS_CONTENT_TYPE = 1 << 2;
const HAS_RESPONSE_SIZE = 1 << 3;
const HAS_DURATION = 1 << 4;
const HAS_ERROR = 1 << 5;
const HAS_REPLAY_OF = 1 << 6;
const HAS_IMPORTED = 1 << 7;
const IMPORTED = 1 << 8;
const HAS_WEBSOCKET = 1 << 9;
const WEBSOCKET = 1 << 10;
const HAS_USER_AGENT = 1 << 11;
const HAS_VERSION_HEADERS = 1 << 12;
const HAS_MESSAGE_COUNT = 1 << 13;
const HAS_MESSAGE_BYTES = 1 << 14;
const HAS_NODE = 1 << 15;
const HAS_GRPC = 1 << 16;
const GRPC = 1 << 17;
const HAS_GRPC_STATUS = 1 << 18;
/** The path is the URL's last characters: only its length is written. */
const PATH_IN_URL = 1 << 19;
const HAS_RULE_KINDS = 1 << 20;

/** Texts in the string table before the id: state, client address, method, host. */
const FIXED_TEXTS = 4;
/** Texts outside the Latin-1 range are written as UTF-16 (lossless, lone surrogates included). */
const WIDE = /[^\u0000-\u00ff]/;
/** Number tags: an unsigned 32-bit integer, else a double. */
const U32 = 0;
const F64 = 1;

/** Where a record may be written: at least `bytes` from `pos` in `buf`. */
export interface RecordSpace {
  buf: Buffer;
  pos: number;
}

/**
 * Writes `s` as a record into the space `reserve` gives for its largest possible size; returns the bytes
 * written. Holds (string-table.ts) each table text it names: the caller releases them (releaseTexts) when
 * the record is dropped.
 */
export function encodeSummary(s: FlowSummary, table: StringTable, reserve: (bytes: number) => RecordSpace): number {
  const ruleKinds = s.appliedRuleKinds.length ? JSON.stringify(s.appliedRuleKinds) : undefined;
  const versionHeaders = s.versionHeaders !== undefined ? JSON.stringify(s.versionHeaders) : undefined;
  const pathInUrl = s.url.length >= s.path.length && s.url.endsWith(s.path);
  let flags = 0;
  if (s.pinned) flags |= PINNED;
  if (s.status !== undefined) flags |= HAS_STATUS;
  if (s.contentType !== undefined) flags |= HAS_CONTENT_TYPE;
  if (s.responseSize !== undefined) flags |= HAS_RESPONSE_SIZE;
  if (s.durationMs !== undefined) flags |= HAS_DURATION;
  if (s.error !== undefined) flags |= HAS_ERROR;
  if (s.replayOf !== undefined) flags |= HAS_REPLAY_OF;
  if (s.imported !== undefined) flags |= HAS_IMPORTED | (s.imported ? IMPORTED : 0);
  if (s.websocket !== undefined) flags |= HAS_WEBSOCKET | (s.websocket ? WEBSOCKET : 0);
  if (s.userAgent !== undefined) flags |= HAS_USER_AGENT;
  if (versionHeaders !== undefined) flags |= HAS_VERSION_HEADERS;
  if (s.messageCount !== undefined) flags |= HAS_MESSAGE_COUNT;
  if (s.messageBytes !== undefined) flags |= HAS_MESSAGE_BYTES;
  if (s.node !== undefined) flags |= HAS_NODE;
  if (s.grpc !== undefined) flags |= HAS_GRPC | (s.grpc ? GRPC : 0);
  if (s.grpcStatus !== undefined) flags |= HAS_GRPC_STATUS;
  if (pathInUrl) flags |= PATH_IN_URL;
  if (ruleKinds !== undefined) flags |= HAS_RULE_KINDS;

  // Flags, 7 text numbers, 7 numbers (tag + double), the path's length, and 2 bytes a character of each text.
  const texts = s.id.length + s.url.length + (pathInUrl ? 0 : s.path.length) + (s.error?.length ?? 0) + (s.replayOf?.length ?? 0) + (ruleKinds?.length ?? 0) + (versionHeaders?.length ?? 0);
  const space = reserve(4 + 7 * 4 + 7 * 9 + 4 + 7 * 4 + 2 * texts);
  const buf = space.buf;
  const start = space.pos;
  let pos = buf.writeUInt32LE(flags >>> 0, start);
  pos = buf.writeUInt32LE(table.hold(s.state), pos);
  pos = buf.writeUInt32LE(table.hold(s.clientIp), pos);
  pos = buf.writeUInt32LE(table.hold(s.method), pos);
  pos = buf.writeUInt32LE(table.hold(s.host), pos);
  if (s.contentType !== undefined) pos = buf.writeUInt32LE(table.hold(s.contentType), pos);
  if (s.userAgent !== undefined) pos = buf.writeUInt32LE(table.hold(s.userAgent), pos);
  if (s.node !== undefined) pos = buf.writeUInt32LE(table.hold(s.node), pos);
  pos = writeText(buf, pos, s.id);
  pos = writeText(buf, pos, s.url);
  pos = pathInUrl ? buf.writeUInt32LE(s.path.length, pos) : writeText(buf, pos, s.path);
  pos = writeNumber(buf, pos, s.requestSize);
  if (s.status !== undefined) pos = writeNumber(buf, pos, s.status);
  if (s.responseSize !== undefined) pos = writeNumber(buf, pos, s.responseSize);
  if (s.durationMs !== undefined) pos = writeNumber(buf, pos, s.durationMs);
  if (s.messageCount !== undefined) pos = writeNumber(buf, pos, s.messageCount);
  if (s.messageBytes !== undefined) pos = writeNumber(buf, pos, s.messageBytes);
  if (s.grpcStatus !== undefined) pos = writeNumber(buf, pos, s.grpcStatus);
  if (s.error !== undefined) pos = writeText(buf, pos, s.error);
  if (s.replayOf !== undefined) pos = writeText(buf, pos, s.replayOf);
  if (ruleKinds !== undefined) pos = writeText(buf, pos, ruleKinds);
  if (versionHeaders !== undefined) pos = writeText(buf, pos, versionHeaders);
  return pos - start;
}

/** The summary a record holds; seq and startedAt come from the list's columns. */
export function decodeSummary(buf: Buffer, at: number, seq: number, startedAt: number, table: StringTable): FlowSummary {
  const flags = buf.readUInt32LE(at);
  const reader = { buf, pos: at + 4 };
  const state = table.text(readU32(reader)) as FlowState;
  const clientIp = table.text(readU32(reader));
  const method = table.text(readU32(reader));
  const host = table.text(readU32(reader));
  const contentType = flags & HAS_CONTENT_TYPE ? table.text(readU32(reader)) : undefined;
  const userAgent = flags & HAS_USER_AGENT ? table.text(readU32(reader)) : undefined;
  const node = flags & HAS_NODE ? table.text(readU32(reader)) : undefined;
  const id = readText(reader);
  const url = readText(reader);
  const path = flags & PATH_IN_URL ? url.slice(url.length - readU32(reader)) : readText(reader);
  // Built in toSummary's order, so decoded summaries share its objects' shapes.
  const s: FlowSummary = {
    id,
    seq,
    startedAt,
    state,
    clientIp,
    method,
    url,
    host,
    path,
    requestSize: readNumber(reader),
    appliedRuleKinds: [],
    pinned: (flags & PINNED) !== 0,
  };
  if (contentType !== undefined) s.contentType = contentType;
  if (flags & HAS_STATUS) s.status = readNumber(reader);
  if (flags & HAS_RESPONSE_SIZE) s.responseSize = readNumber(reader);
  if (flags & HAS_DURATION) s.durationMs = readNumber(reader);
  const messageCount = flags & HAS_MESSAGE_COUNT ? readNumber(reader) : undefined;
  const messageBytes = flags & HAS_MESSAGE_BYTES ? readNumber(reader) : undefined;
  const grpcStatus = flags & HAS_GRPC_STATUS ? readNumber(reader) : undefined;
  if (flags & HAS_ERROR) s.error = readText(reader);
  if (flags & HAS_REPLAY_OF) s.replayOf = readText(reader);
  if (flags & HAS_RULE_KINDS) s.appliedRuleKinds = JSON.parse(readText(reader)) as string[];
  if (flags & HAS_IMPORTED) s.imported = (flags & IMPORTED) !== 0;
  if (flags & HAS_WEBSOCKET) s.websocket = (flags & WEBSOCKET) !== 0;
  if (userAgent !== undefined) s.userAgent = userAgent;
  if (flags & HAS_VERSION_HEADERS) s.versionHeaders = JSON.parse(readText(reader)) as [string, string][];
  if (node !== undefined) s.node = node;
  if (messageCount !== undefined) s.messageCount = messageCount;
  if (messageBytes !== undefined) s.messageBytes = messageBytes;
  if (flags & HAS_GRPC) s.grpc = (flags & GRPC) !== 0;
  if (grpcStatus !== undefined) s.grpcStatus = grpcStatus;
  return s;
}

/** The id of the summary a record holds, without decoding the rest. */
export function recordId(buf: Buffer, at: number): string {
  return readText({ buf, pos: at + 4 + 4 * tableTexts(buf.readUInt32LE(at)) });
}

/** Releases the string-table texts a record holds (when the record is dropped or replaced). */
export function releaseTexts(buf: Buffer, at: number, table: StringTable): void {
  const count = tableTexts(buf.readUInt32LE(at));
  for (let i = 0; i < count; i++) table.release(buf.readUInt32LE(at + 4 + 4 * i));
}

function tableTexts(flags: number): number {
  return FIXED_TEXTS + Number((flags & HAS_CONTENT_TYPE) !== 0) + Number((flags & HAS_USER_AGENT) !== 0) + Number((flags & HAS_NODE) !== 0);
}

/** Length and width, then the characters: one byte each (Latin-1) or two (UTF-16). */
function writeText(buf: Buffer, pos: number, text: string): number {
  const wide = WIDE.test(text);
  pos = buf.writeUInt32LE(((text.length << 1) | Number(wide)) >>> 0, pos);
  return pos + buf.write(text, pos, wide ? 'utf16le' : 'latin1');
}

function writeNumber(buf: Buffer, pos: number, n: number): number {
  if (n >>> 0 === n && !Object.is(n, -0)) {
    buf[pos] = U32;
    return buf.writeUInt32LE(n, pos + 1);
  }
  buf[pos] = F64;
  return buf.writeDoubleLE(n, pos + 1);
}

interface Reader {
  buf: Buffer;
  pos: number;
}

function readU32(r: Reader): number {
  const n = r.buf.readUInt32LE(r.pos);
  r.pos += 4;
  return n;
}

function readText(r: Reader): string {
  const head = readU32(r);
  const wide = head & 1;
  const end = r.pos + (head >>> 1) * (wide + 1);
  const text = r.buf.toString(wide ? 'utf16le' : 'latin1', r.pos, end);
  r.pos = end;
  return text;
}

function readNumber(r: Reader): number {
  const tag = r.buf[r.pos];
  const n = tag === U32 ? r.buf.readUInt32LE(r.pos + 1) : r.buf.readDoubleLE(r.pos + 1);
  r.pos += tag === U32 ? 5 : 9;
  return n;
}
