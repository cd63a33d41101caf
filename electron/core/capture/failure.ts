/**
 * What went wrong with an exchange, in the words a user needs: the phase (for the flow and filters), one
 * sentence (for the flow and the client), and the status the client gets when no response was sent yet.
 */
import type { FlowError } from '../../common/flow';
import { urlHost } from './target';
import { closedBeforeResponse, closedMidBody, parseErrorReason, tlsHandshakeDetail } from './failure-reasons';
import { DEFAULT_MAX_HEADER_SIZE } from './header-limit';

export interface Failure extends FlowError {
  /** 502, or 504 for timeouts. */
  status: number;
  /** Cut the client's connection instead of answering (an injected network failure). */
  reset?: boolean;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

export interface FailureContext {
  host: string;
  port: number;
  secure: boolean;
  /** Phases the upstream socket completed before the error. */
  connected: boolean;
  tlsDone: boolean;
  /** Response headers had arrived. */
  responding: boolean;
}

/** `maxHeaderSize`: the response header limit in force, named when a server exceeded it. */
export function upstreamFailure(err: NodeJS.ErrnoException, at: FailureContext, maxHeaderSize = DEFAULT_MAX_HEADER_SIZE): Failure {
  const where = `${urlHost(at.host)}:${at.port}`;
  const code = err.code ?? 'error';
  if (DNS_CODES.has(code)) return { phase: 'dns', message: `could not resolve ${at.host} (${code})`, code, status: 502 };
  if (!at.connected) return { phase: 'connect', message: `could not connect to ${where} (${code})`, code, status: 502 };
  if (at.secure && !at.tlsDone) {
    const tls = tlsHandshakeDetail(err);
    return { phase: 'tls', message: `TLS handshake with ${where} ${tls.did}`, code: tls.code, status: 502 };
  }
  const reason = parseErrorReason(err, maxHeaderSize) ?? (at.responding ? { did: 'closed the connection before its response ended', code } : closedBeforeResponse(err));
  return withCode({ phase: 'upstream', message: `${where} ${reason.did}`, status: 502 }, reason.code);
}

/** A response body that stopped early: `received` of `expected` bytes; `resetCode` when the server reset the connection. */
export function midBodyFailure(at: FailureContext, received: number, expected: number | undefined, resetCode?: string): Failure {
  const reason = closedMidBody(received, expected, resetCode);
  return withCode({ phase: 'upstream', message: `${urlHost(at.host)}:${at.port} ${reason.did}`, status: 502 }, reason.code);
}

function withCode(failure: Failure, code: string | undefined): Failure {
  if (code) failure.code = code;
  return failure;
}

/** `limits`: the wait for response headers, and the body idle limit (what a started response was cut by). */
export function timeoutFailure(at: FailureContext, limits: { timeoutMs: number; bodyIdleTimeoutMs: number }): Failure {
  const where = `${urlHost(at.host)}:${at.port}`;
  const timeoutMs = at.responding ? limits.bodyIdleTimeoutMs : limits.timeoutMs;
  const seconds = `${Math.round(timeoutMs / 100) / 10} s`;
  if (!at.connected) return { phase: 'timeout', message: `could not connect to ${where} within ${seconds}`, status: 504 };
  if (at.responding) return { phase: 'timeout', message: `${where} stalled mid-body for ${seconds}`, status: 504 };
  return { phase: 'timeout', message: `no response from ${where} within ${seconds}`, status: 504 };
}

export const clientAborted = (): Failure => ({ phase: 'client', message: 'the client closed the connection before the exchange completed', status: 502 });

/** The short text body the client gets with a 502/504. */
export function failureText(failure: FlowError): string {
  return `Hindsight: ${failure.message}\n`;
}
