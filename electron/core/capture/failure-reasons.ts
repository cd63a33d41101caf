/**
 * Readable failure sentences for what a server did, from the raw errors Node reports: llhttp's parse errors
 * (HPE_*), socket errors and OpenSSL's error strings (which carry a source path and a newline and must never
 * reach a 502 body or a log line as they are). Each sentence names what the server did; the raw code is kept
 * apart (FlowError.code) for people who search for it.
 */
import { headerLimitText } from './header-limit';

export interface Reason {
  /** Completes "<host:port> …": what the server did, lower case, no trailing period. */
  did: string;
  code?: string;
}

/** What a server did, when Node's HTTP client refused its response (llhttp's HPE_* codes). */
export function parseErrorReason(err: NodeJS.ErrnoException & { reason?: string }, maxHeaderSize: number): Reason | undefined {
  const code = err.code ?? '';
  if (!code.startsWith('HPE_')) return undefined;
  const detail = (err.reason ?? '').toLowerCase();
  const did = ((): string => {
    switch (code) {
      case 'HPE_INVALID_STATUS':
        return 'answered with a malformed status line';
      case 'HPE_INVALID_CONSTANT':
        return 'answered with something that is not an HTTP response';
      case 'HPE_INVALID_VERSION':
        return 'answered with an unknown HTTP version';
      case 'HPE_UNEXPECTED_CONTENT_LENGTH':
        return detail.includes('duplicate') ? 'sent two Content-Length headers' : 'sent a Content-Length where none is allowed';
      case 'HPE_INVALID_CONTENT_LENGTH':
        return 'sent a malformed Content-Length';
      case 'HPE_INVALID_TRANSFER_ENCODING':
        return detail.includes('content-length') ? 'sent both Content-Length and Transfer-Encoding' : 'sent a malformed Transfer-Encoding';
      case 'HPE_INVALID_CHUNK_SIZE':
        return 'sent a malformed chunk size in a chunked body';
      // Bare LF is taken in response heads (bare-lf-heads.ts), not in a chunked body's framing.
      case 'HPE_CR_EXPECTED':
        return detail.includes('chunk')
          ? 'ended a line of its chunked body framing with a bare LF instead of CRLF, which Hindsight refuses'
          : 'ended a line of its response with a bare LF instead of CRLF, which Hindsight refuses';
      case 'HPE_LF_EXPECTED':
        return 'ended a line of its response with a bare CR instead of CRLF';
      case 'HPE_STRICT':
        return detail.includes('lf after cr') ? 'ended a line of its response with a bare CR instead of CRLF' : `sent a response Hindsight cannot parse (${oneLine(err.reason ?? code).toLowerCase()})`;
      case 'HPE_INVALID_HEADER_TOKEN':
        return 'sent a malformed header line';
      case 'HPE_HEADER_OVERFLOW':
        return `sent response headers larger than the ${headerLimitText(maxHeaderSize)} limit (raise it with --max-header-size)`;
      case 'HPE_INVALID_EOF_STATE':
        return 'closed the connection in the middle of its response headers';
      default:
        return `sent a response Hindsight cannot parse (${oneLine(err.reason ?? code).toLowerCase()})`;
    }
  })();
  return { did, code };
}

/**
 * What a server did when its connection failed before any response head arrived: `secure` while the TLS
 * handshake had not finished (then the sentence starts "TLS handshake …" in failure.ts).
 */
export function closedBeforeResponse(err: NodeJS.ErrnoException): Reason {
  const code = err.code;
  // Node reports a clean close before any response as ECONNRESET "socket hang up"; a real reset has syscall 'read'.
  if (code === 'ECONNRESET' && err.message === 'socket hang up') return { did: 'closed the connection without answering', code };
  if (code === 'ECONNRESET') return { did: 'reset the connection before answering', code };
  if (code === 'EPIPE') return { did: 'closed the connection while the request was being sent', code };
  return { did: `closed the connection before answering (${oneLine(err.message)})`, code };
}

/** What a server did when its response stopped early: `received` body bytes of `expected` (Content-Length). */
export function closedMidBody(received: number, expected: number | undefined, resetCode: string | undefined): Reason {
  const verb = resetCode ? 'reset the connection' : 'closed the connection';
  const did = expected !== undefined ? `${verb} after ${received} of ${expected} body bytes` : `${verb} after ${received} body bytes, before the body ended`;
  return resetCode ? { did, code: resetCode } : { did };
}

/** The short reason inside an OpenSSL error string ("…:ssl3_get_record:wrong version number:../deps/…:354:\n"). */
export function opensslReason(message: string): string | undefined {
  const m = /error:[0-9A-F]+:[^:]*:[^:]*:([^:\n]+)/i.exec(message);
  return m ? m[1].trim() : undefined;
}

/** A TLS handshake failure with a server, as a sentence after "TLS handshake with host:port failed". */
export function tlsHandshakeDetail(err: NodeJS.ErrnoException & { reason?: string }): Reason {
  const code = err.code ?? 'error';
  if (/wrong version number|packet length too long|http request/i.test(err.message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return { did: 'failed: the server answered without TLS (is the port plain HTTP?)', code };
  }
  // Certificate errors carry a short `reason` ("Host: x. is not in the cert's altnames: …").
  const reason = err.reason ?? opensslReason(err.message) ?? oneLine(err.message);
  const detail = reason && reason !== code ? `${code}: ${oneLine(reason)}` : code;
  return { did: `failed (${detail})`, code };
}

/** Text squeezed onto one line without a source path (library messages sometimes carry both). */
export function oneLine(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/(?:\.\.\/)+deps\/\S*/g, '')
    .trim()
    .slice(0, 300);
}
