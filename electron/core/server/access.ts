/**
 * Who may use the headless server. Independent checks:
 * - the client address: the proxy port's allow-list (ui-server.ts, at connect);
 * - the token (32 random bytes, base64url): required on /api/ws and every /api/* route, from an
 *   `Authorization: Bearer` header or, for a browser's WebSocket, a subprotocol; never from a URL query;
 *   compared in constant time;
 * - the Host and Origin headers, whatever the bind address: a web page the user happens to visit must not
 *   drive the API, neither from its own origin (Origin check) nor by rebinding its DNS name (Host check).
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import os from 'node:os';

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

/** The WebSocket subprotocol the API speaks; the token rides beside it as `hindsight.token.<token>`. */
export const API_PROTOCOL = 'hindsight';
export const TOKEN_PROTOCOL_PREFIX = 'hindsight.token.';

/**
 * The token from `Authorization: Bearer …` or, for a WebSocket handshake, from the offered subprotocols
 * (browsers cannot set headers on a WebSocket). Never from the URL: a query ends up in logs.
 */
export function requestToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (m) return m[1];
  const offered = req.headers['sec-websocket-protocol'];
  for (const p of (offered ?? '').split(',')) {
    const name = p.trim();
    if (name.startsWith(TOKEN_PROTOCOL_PREFIX)) return name.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

/** The subprotocol answered: `hindsight` when offered (never the token one), else none. */
export function chooseProtocol(protocols: Set<string>): string | false {
  return protocols.has(API_PROTOCOL) ? API_PROTOCOL : false;
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** This machine's own addresses (every interface, loopback included), re-read at most every few seconds. */
let ownAddresses: { at: number; set: Set<string> } | undefined;
function isOwnAddress(ip: string): boolean {
  const now = Date.now();
  if (!ownAddresses || now - ownAddresses.at > 5000) {
    const set = new Set<string>();
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) set.add(a.address.toLowerCase().replace(/%.*$/, ''));
    ownAddresses = { at: now, set };
  }
  return ownAddresses.set.has(ip) || /^127\./.test(ip) || ip === '::1';
}

/**
 * A Host header we answer to, whatever the listen address: this machine's names (localhost, its host
 * name, `<host name>.local`, the name we listen on), this machine's addresses, and addresses the
 * allow-list admits. A DNS rebinding attack always arrives with the attacker's own name, so it is
 * refused here — also when listening on every interface, where the token alone used to guard the API.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string, admitsAddress: (ip: string) => boolean = () => false): boolean {
  if (!hostHeader) return false;
  const name = hostName(hostHeader);
  if (name === undefined) return false;
  if (net.isIP(name) !== 0) return isOwnAddress(name) || name === listenHost.toLowerCase() || admitsAddress(name);
  const machine = os.hostname().toLowerCase();
  return name === 'localhost' || name === listenHost.toLowerCase() || name === machine || name === `${machine}.local`;
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
