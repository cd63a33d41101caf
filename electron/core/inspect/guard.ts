/**
 * The DNS-rebinding check Node's inspector makes, and one it does not need: Node refuses a request whose Host
 * is neither an IP address nor localhost (a rebinding page can only send its own DNS name), and relies on the
 * unguessable WebSocket id against other pages. A relay's stable paths are guessable (`/app`), so it also
 * refuses an Origin that is not DevTools or a loopback page: any website could otherwise open
 * ws://127.0.0.1:9229/app from the user's browser and run code in their process.
 */
import net from 'node:net';
import type http from 'node:http';
import { isLoopbackName } from '../../common/inspect';

/** The Host header's name part (no port, no brackets); undefined when the header is missing or malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::\d{1,5})?$/.exec(header.trim());
  return m ? (m[1] ?? m[2]).toLowerCase() : undefined;
}

/** Node's rule (src/inspector_socket.cc, IsAllowedHost): an IP literal, localhost, or a *.localhost name. */
export function isAllowedHost(header: string | undefined): boolean {
  const name = hostName(header);
  return name !== undefined && (net.isIP(name) !== 0 || isLoopbackName(name));
}

/** No Origin (VS Code, `node inspect`, scripts), DevTools itself, or a page served from a loopback name. */
export function isAllowedOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  if (/^(devtools|chrome-devtools):\/\/devtools$/i.test(origin)) return true;
  const m = /^https?:\/\/([^/?#]+)$/i.exec(origin);
  const name = m ? hostName(m[1]) : undefined;
  return name !== undefined && isLoopbackName(name);
}

/** Why a request must be refused, or undefined when it may pass. */
export function refusalOf(req: http.IncomingMessage): string | undefined {
  if (!isAllowedHost(req.headers.host)) return `Host ${JSON.stringify(req.headers.host ?? '')} is not an IP address or localhost (DNS rebinding protection)`;
  if (!isAllowedOrigin(req.headers.origin)) return `Origin ${JSON.stringify(req.headers.origin)} may not use the inspector relay`;
  return undefined;
}
