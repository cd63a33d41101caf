/**
 * What went wrong with an exchange, in the words a user needs: the phase (for the flow and filters), one
 * sentence (for the flow and the client), and the status the client gets when no response was sent yet.
 */
import type { FlowError } from '../../common/flow';
import { urlHost } from './target';

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

export function upstreamFailure(err: NodeJS.ErrnoException, at: FailureContext): Failure {
  const where = `${urlHost(at.host)}:${at.port}`;
  const code = err.code ?? 'error';
  if (DNS_CODES.has(code)) return { phase: 'dns', message: `could not resolve ${at.host} (${code})`, status: 502 };
  if (!at.connected) return { phase: 'connect', message: `could not connect to ${where} (${code})`, status: 502 };
  if (at.secure && !at.tlsDone) {
    // Certificate errors carry a short `reason` ("Host: x. is not in the cert's altnames: …").
    const reason = (err as { reason?: string }).reason ?? err.message;
    const detail = reason && reason !== code ? `${code}: ${reason}` : code;
    return { phase: 'tls', message: `TLS handshake with ${where} failed (${detail})`, status: 502 };
  }
  if (at.responding) return { phase: 'upstream', message: `${where} closed the connection mid-body (${code})`, status: 502 };
  return { phase: 'upstream', message: `${where} closed the connection before responding (${code})`, status: 502 };
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
