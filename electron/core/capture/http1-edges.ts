/**
 * HTTP/1.1 details a proxy must pass on rather than answer itself (RFC 9110 §10.1.1 Expect, §15.2 1xx
 * responses, RFC 8297 Early Hints) and requests it must refuse (RFC 9112 §3.2: more than one Host field).
 */
import http from 'node:http';

/** The request asks the server to confirm before it sends its body. */
export function expectsContinue(req: http.IncomingMessage): boolean {
  return /^\s*100-continue\s*$/i.test(req.headers.expect ?? '');
}

/** Why a request's Host fields are refused (more than one), or undefined. */
export function duplicateHostProblem(rawHeaders: string[]): string | undefined {
  const hosts: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i].length === 4 && rawHeaders[i].toLowerCase() === 'host') hosts.push(rawHeaders[i + 1]);
  if (hosts.length < 2) return undefined;
  const distinct = new Set(hosts.map((h) => h.trim().toLowerCase()));
  return distinct.size > 1
    ? `the request has ${hosts.length} different Host headers (${[...distinct].slice(0, 3).map((h) => JSON.stringify(h.slice(0, 100))).join(', ')}); a request may have only one`
    : `the request has ${hosts.length} Host headers; a request may have only one`;
}

/**
 * Passes a server's 1xx response on to the client: 100 Continue when the client's Expect is being relayed,
 * 102 Processing, and 103 Early Hints with its Link fields (Node writes 103 only with a valid Link). Other
 * 1xx codes are recorded but not passed on (Node has no way to send them).
 */
export function passInterim(res: http.ServerResponse, info: http.InformationEvent, continueRelayed: boolean): void {
  if (res.headersSent || res.destroyed || res.req.httpVersionMinor === 0) return;
  try {
    if (info.statusCode === 100) {
      if (continueRelayed) res.writeContinue();
    } else if (info.statusCode === 102) {
      res.writeProcessing();
    } else if (info.statusCode === 103) {
      res.writeEarlyHints(earlyHints(info.rawHeaders));
    }
  } catch {
    // A 103 whose Link Node refuses to write is recorded (the flow shows it) but not passed on.
  }
}

/** Early hints as Node's writeEarlyHints takes them: `link` as a list, other fields joined. */
function earlyHints(rawHeaders: string[]): Record<string, string | string[]> {
  const hints: Record<string, string | string[]> = {};
  const links: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === 'link') links.push(rawHeaders[i + 1]);
    else if (isSendable(rawHeaders[i], rawHeaders[i + 1])) hints[name] = hints[name] ? `${hints[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  hints.link = links;
  return hints;
}

function isSendable(name: string, value: string): boolean {
  try {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}
