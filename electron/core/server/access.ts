/**
 * Who may use the headless server. Two independent checks:
 * - the token (32 random bytes, base64url): required on /api/ws and every /api/* route, compared in
 *   constant time;
 * - the Host and Origin headers: a web page the user happens to visit must not drive the API, neither
 *   from its own origin (Origin check) nor by rebinding its DNS name to 127.0.0.1 (Host check).
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Constant-time comparison; hashing first makes unequal lengths take the same path. */
export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The token from `?token=` or `Authorization: Bearer …`. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m ? m[1] : undefined;
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/**
 * A Host header we answer to: an IP literal, localhost, or the name we were told to listen on. A DNS
 * rebinding attack always arrives with the attacker's own name, so it is refused here. When listening
 * on every interface the user may reach us under any name, and the token alone guards the API.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (!hostHeader) return false;
  if (isWildcardHost(listenHost)) return true;
  const name = hostName(hostHeader);
  if (name === undefined) return false;
  return net.isIP(name) !== 0 || name === 'localhost' || name === listenHost.toLowerCase();
}

function hostName(hostHeader: string): string | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i.exec(hostHeader.trim());
  if (!m) return undefined;
  return (m[1] ?? m[2]).toLowerCase();
}

/**
 * A WebSocket upgrade is allowed from our own page (Origin equals http://<Host>) or from a client that
 * sends no Origin (the CLI, tests). Browsers always send Origin on WebSocket handshakes, so any other
 * page is refused even if it somehow learned the token.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  return !!host && origin.toLowerCase() === `http://${host.toLowerCase()}`;
}
