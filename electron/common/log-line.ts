/**
 * The structured line for one finished flow: what `hindsight serve --log` prints and what
 * `hindsight export --format ndjson` writes, one JSON object per line. A service owner would otherwise
 * write this by hand in a logging middleware.
 */
import { headerValue, type Flow } from './flow';

export interface LogLine {
  id: string;
  /** ISO time the request started. */
  time: string;
  clientIp: string;
  method: string;
  url: string;
  status: number | null;
  latencyMs: number | null;
  userAgent: string | null;
  requestBytes: number;
  responseBytes: number | null;
  error: string | null;
  replayOf?: string;
  rules?: string[];
  /** WebSocket and SSE flows: messages seen and their payload bytes (the messages themselves are in HAR exports). */
  messages?: { count: number; bytes: number };
}

export function toLogLine(flow: Flow): LogLine {
  const line: LogLine = {
    id: flow.id,
    time: isoTime(flow.startedAt),
    clientIp: flow.client.ip,
    method: flow.request.method,
    url: flow.request.url,
    status: flow.response?.status ?? null,
    latencyMs: flow.timings.totalMs ?? null,
    userAgent: headerValue(flow.request.headers, 'user-agent') ?? null,
    requestBytes: flow.request.body.size,
    responseBytes: flow.response?.body.size ?? null,
    error: flow.error ? `${flow.error.phase}: ${flow.error.message}` : null,
  };
  if (flow.replayOf) line.replayOf = flow.replayOf;
  if (flow.appliedRules.length) line.rules = flow.appliedRules.map((r) => r.id);
  if (flow.messages) line.messages = { count: flow.messages.count, bytes: flow.messages.bytes };
  return line;
}

/** The ISO text of the last second isoTime() wrote, up to and including the decimal point, and that second. */
let isoSecond = NaN;
let isoPrefix = '';

/**
 * `new Date(ms).toISOString()`, with the text of the second reused: a log line is written per request, and
 * thousands a second share it. The Date and its formatting cost a few µs per line in the proxy (measured in a
 * CPU profile of `serve --log-bodies`); the milliseconds alone are three digits. Times that are not whole
 * milliseconds between 1970 and 9999 (the fixed-width form) go through Date as before.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= LAST_FIXED_WIDTH_MS) return new Date(ms).toISOString();
  const milli = ms % 1000;
  const second = ms - milli;
  if (second !== isoSecond) {
    isoPrefix = new Date(second).toISOString().slice(0, 20);
    isoSecond = second;
  }
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** 10000-01-01T00:00:00Z: from here on toISOString writes a six-digit, signed year. */
const LAST_FIXED_WIDTH_MS = 253_402_300_800_000;
