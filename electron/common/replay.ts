/**
 * Sending requests again, as the API carries it: replaying stored flows (flows.replay), sending a request
 * made or edited in the composer (flows.send), and the composer's starting points (flows.draft from a
 * stored flow, flows.parseCurl from a pasted curl command). The work happens in electron/core/replay.
 */
import type { BodyEncoding } from './breakpoint';
import type { FlowSummary, Headers } from './flow';

/**
 * Whether a replayed or sent request passes through the rules pipeline like any client's (map-remote,
 * mocks, breakpoints) or goes straight upstream.
 */
export type RuleChoice = 'apply' | 'bypass';
export const RULE_CHOICES: readonly RuleChoice[] = ['apply', 'bypass'];

/** A request to send: what the composer edits and flows.send takes. */
export interface OutgoingRequest {
  method: string;
  /** Absolute http(s) URL. */
  url: string;
  /** In the order, case and multiplicity to send. Host is added from the URL when absent. */
  headers: Headers;
  /** Absent or empty: no body. */
  body?: string;
  /** How `body` is written: UTF-8 text (default) or base64 bytes. */
  bodyEncoding?: BodyEncoding;
  /** Fields sent after the body (over HTTP/1.1 the request then goes chunked). Absent or empty: none. */
  trailers?: Headers;
}

/** A stored request as a composer draft (flows.draft): exactly what a replay would send. */
export interface RequestDraft extends OutgoingRequest {
  /** The flow it came from. */
  basedOn: string;
  /** Set when the stored body is only the first part of the original; sending it sends only that part. */
  truncated?: { storedSize: number; size: number };
}

/** Why a stored flow could not be sent again. */
export type ReplayRefusal = 'not-found' | 'truncated' | 'unsupported' | 'invalid' | 'failed';

/** One replayed flow, in the order asked: the new flow, or why there is none. */
export type ReplayOutcome = { of: string; flow: FlowSummary } | { of: string; error: { code: ReplayRefusal; message: string } };

/** A pasted curl command as a request, with what of the command was not carried over (flows.parseCurl). */
export interface ParsedCurl {
  request: OutgoingRequest;
  /** Options that have no effect here (-k, -L, -o …), each with why; for the composer to show. */
  notes: string[];
}
