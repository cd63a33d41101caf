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
    time: new Date(flow.startedAt).toISOString(),
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
