/**
 * Where a request goes and who sent it. Three ways in:
 * - absolute-form (`GET http://host/path`): a classic forward-proxy request;
 * - inside a CONNECT tunnel (the socket carries `connectRequest`, set by our http-mitm-proxy patch): the
 *   tunnel's target, https when the tunnel was TLS;
 * - origin-form on the proxy port in reverse mode: the reverse target.
 * Anything else (origin-form in forward mode) is a request to the proxy itself.
 */
import net from 'node:net';
import type http from 'node:http';

export interface Target {
  secure: boolean;
  /** Host to connect to (no brackets for IPv6). */
  host: string;
  port: number;
  /** Origin-form path + query sent upstream. */
  path: string;
  /** The absolute URL the flow records. */
  url: string;
  /** The Host header value for the upstream request when the client's must be replaced (reverse mode). */
  hostHeader?: string;
  /** True for a request that arrived through a CONNECT tunnel. */
  tunnelled: boolean;
}

export interface ReverseTarget {
  secure: boolean;
  host: string;
  port: number;
  /** scheme://authority, no trailing slash. */
  origin: string;
  /** The authority as a Host header. */
  hostHeader: string;
}

/** The socket fields our http-mitm-proxy patch adds to sockets handed over from a CONNECT tunnel. */
interface TunnelSocket extends net.Socket {
  connectRequest?: http.IncomingMessage;
}

/** Parses `--reverse http://127.0.0.1:3000`; throws with a message naming the problem. */
export function parseReverseTarget(text: string): ReverseTarget {
  const m = /^(https?):\/\/([^/?#]+)\/?$/i.exec(text.trim());
  if (!m) throw new Error(`reverse target must look like http://host:port or https://host (got ${JSON.stringify(text)})`);
  const secure = m[1].toLowerCase() === 'https';
  const authority = parseAuthority(m[2], secure ? 443 : 80);
  if (!authority) throw new Error(`reverse target has a bad host or port: ${JSON.stringify(text)}`);
  const hostHeader = m[2].toLowerCase();
  return { secure, host: authority.host, port: authority.port, origin: `${secure ? 'https' : 'http'}://${hostHeader}`, hostHeader };
}

/** host[:port] or [v6][:port] → parts; undefined when malformed. */
export function parseAuthority(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  const at = authority.lastIndexOf('@');
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(hostPort);
  if (!m) return undefined;
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!(port > 0 && port < 65536)) return undefined;
  return { host: (m[1] ?? m[2]).toLowerCase(), port };
}

const ABSOLUTE = /^(https?|wss?):\/\/([^/?#]*)([^#]*)/i;

export function resolveTarget(req: http.IncomingMessage, isSSL: boolean, reverse: ReverseTarget | undefined): Target | undefined {
  const url = req.url ?? '';
  const tunnel = (req.socket as TunnelSocket).connectRequest;
  if (tunnel) {
    const to = parseAuthority(tunnel.url ?? '', 443);
    if (!to) return undefined;
    const scheme = isSSL ? 'https' : 'http';
    const absolute = ABSOLUTE.exec(url);
    if (absolute) return { secure: isSSL, host: to.host, port: to.port, path: absolute[3] || '/', url: `${scheme}://${absolute[2]}${absolute[3] || '/'}`, tunnelled: true };
    const authority = req.headers.host || tunnel.url || '';
    return { secure: isSSL, host: to.host, port: to.port, path: url, url: `${scheme}://${authority}${url}`, tunnelled: true };
  }
  if (reverse) {
    const absolute = ABSOLUTE.exec(url);
    const path = absolute ? absolute[3] || '/' : url;
    return { secure: reverse.secure, host: reverse.host, port: reverse.port, path, url: reverse.origin + path, hostHeader: reverse.hostHeader, tunnelled: false };
  }
  const absolute = ABSOLUTE.exec(url);
  if (!absolute) return undefined;
  const secure = /^(https|wss)$/i.test(absolute[1]);
  const to = parseAuthority(absolute[2], secure ? 443 : 80);
  if (!to) return undefined;
  const path = absolute[3] || '/';
  const scheme = absolute[1].toLowerCase().replace(/^ws/, 'http');
  return { secure, host: to.host, port: to.port, path, url: `${scheme}://${absolute[2]}${path}`, tunnelled: false };
}

/** A request to the proxy itself (`GET /path` on the proxy port, outside a tunnel). */
export function isOriginForm(req: http.IncomingMessage): boolean {
  return (req.url ?? '').startsWith('/') && !(req.socket as TunnelSocket).connectRequest;
}

/** The real client: for a tunnelled request, the peer of the outer CONNECT connection. */
export function clientOf(socket: net.Socket): { ip: string; port: number } {
  const outer = (socket as TunnelSocket).connectRequest?.socket ?? socket;
  return { ip: plainIp(outer.remoteAddress ?? ''), port: outer.remotePort ?? 0 };
}

/** Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; flows store the IPv4 form. */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** Host as it goes into a URL authority (brackets around IPv6). */
export function urlHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

/** Why a CONNECT request's target cannot be tunnelled to, or undefined when it is host:port with a real port. */
export function connectTargetProblem(url: string | undefined): string | undefined {
  const text = url ?? '';
  if (!/:\d+$/.test(text)) return `CONNECT needs host:port, got ${JSON.stringify(text.slice(0, 200))}`;
  if (!parseAuthority(text, 443)) return `CONNECT target ${JSON.stringify(text.slice(0, 200))} is not a host with a port from 1 to 65535`;
  return undefined;
}
