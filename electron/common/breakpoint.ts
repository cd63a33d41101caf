/**
 * Paused exchanges as the API shows them (breakpoints.list, the breakpoints/paused event) and the edits
 * the user sends back (breakpoints.resume / answer). Plain data; the queue lives in electron/core/rules.
 */
import type { AppliedRule, Headers } from './flow';
import type { MessageDirection } from './message';

/** A body as shown while paused: the bytes (base64) as received, before any content decoding. */
export interface PausedBody {
  base64: string;
  size: number;
  /** True when the body was larger than what is shown (it cannot be edited then, only replaced). */
  truncated: boolean;
}

export interface PausedMessage {
  /** The request as it will be sent (after map-remote and request mocks). */
  request: { method: string; url: string; headers: Headers; body?: PausedBody };
  /** For a paused response: as the server sent it. */
  response?: { status: number; statusText: string; headers: Headers; body?: PausedBody };
  /** For a paused WebSocket message (phase "message"): the text as the sender sent it; `request` is the handshake. */
  wsMessage?: { dir: MessageDirection; text: string };
}

export interface BreakpointInfo extends PausedMessage {
  /** `<flowId>:request`, `<flowId>:response` or `<flowId>:message:<n>`. */
  id: string;
  flowId: string;
  phase: BreakpointPhase;
  clientIp: string;
  /** The breakpoint rule that paused it. */
  rule: AppliedRule;
  pausedAt: number;
  /** When the exchange continues unchanged if nobody decides (epoch ms). */
  continuesAt: number;
  /** The `serve --node` holding the connection, when several nodes share one PostgreSQL store. */
  node?: string;
}

/** What is paused: a request, a response, or one WebSocket message (the socket's other messages in that direction wait behind it). */
export type BreakpointPhase = 'request' | 'response' | 'message';

export interface BreakpointResumed {
  id: string;
  flowId: string;
  phase: BreakpointPhase;
  how: 'resumed' | 'aborted' | 'answered' | 'timeout' | 'released';
}

/** Body text: utf8 as typed, or base64 for bytes. */
export type BodyEncoding = 'utf8' | 'base64';

/** What a paused request may change; absent fields stay as they are. A new body fixes Content-Length. */
export interface RequestEdits {
  method?: string;
  url?: string;
  headers?: Headers;
  body?: string;
  bodyEncoding?: BodyEncoding;
}

export interface ResponseEdits {
  status?: number;
  statusText?: string;
  headers?: Headers;
  body?: string;
  bodyEncoding?: BodyEncoding;
}

/** What a paused WebSocket message may become: another text, or nothing (dropped). Resuming with neither sends it as it was. */
export interface MessageEdits {
  text?: string;
  drop?: boolean;
}

/** A response made up by Hindsight (a mock rule, or "answer" on a paused exchange). */
export interface MockAnswer {
  status: number;
  statusText?: string;
  headers: Headers;
  body: string;
  bodyEncoding?: BodyEncoding;
}

/** The client-facing text of an exchange aborted at a breakpoint (sent with status 502). */
export const BREAKPOINT_ABORT_TEXT = 'Hindsight: aborted at a breakpoint';
