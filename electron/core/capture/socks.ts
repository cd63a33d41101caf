/**
 * SOCKS5 on the proxy port (RFC 1928, with RFC 1929 username/password): clients that only speak SOCKS
 * connect to the same port as HTTP. The listening socket's first byte tells them apart (0x05 is never the
 * first byte of an HTTP request). After the handshake a SOCKS CONNECT becomes exactly what an HTTP CONNECT
 * becomes: a passthrough tunnel when a rule says so, else the tunnel is handed to the proxy's in-process
 * servers (TLS intercepted with the CA, plain HTTP parsed), carrying a CONNECT-like request so flows get the
 * target and the real client address. Only CONNECT is offered (no BIND, no UDP ASSOCIATE).
 */
import type http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import type { TunnelReply } from './passthrough';
import { plainIp, urlHost } from './target';

export const SOCKS_VERSION = 0x05;

export interface SocksCredentials {
  username: string;
  password: string;
}

export interface SocksContext {
  /** Required credentials (username/password, for LAN use); absent: no authentication. */
  credentials?: SocksCredentials;
  /**
   * The handshake is done and the client asked for host:port. `connect` is a CONNECT-like request
   * (method, url host:port, Host header, the client socket); `reply` tells the client the outcome.
   */
  onConnect(socket: net.Socket, connect: http.IncomingMessage, to: { host: string; port: number }, reply: TunnelReply): void;
  onError?(kind: string, err: unknown): void;
}

const HANDSHAKE_TIMEOUT_MS = 30_000;
/** The longest handshake message: a request with a 255-byte name, or auth with two 255-byte fields. */
const MAX_HANDSHAKE_BYTES = 600;

const REPLY = { succeeded: 0x00, failure: 0x01, network: 0x03, host: 0x04, refused: 0x05, ttl: 0x06, command: 0x07, address: 0x08 } as const;

function replyBytes(code: number): Buffer {
  // BND.ADDR 0.0.0.0:0: clients do not use it for CONNECT.
  return Buffer.from([SOCKS_VERSION, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

/** The SOCKS reply code for why a tunnel could not be opened. */
function failureCode(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
      return REPLY.host;
    case 'ECONNREFUSED':
      return REPLY.refused;
    case 'ENETUNREACH':
      return REPLY.network;
    case 'ETIMEDOUT':
      return REPLY.ttl;
    default:
      return REPLY.failure;
  }
}

export const SOCKS_REPLY: TunnelReply = {
  opened: (client) => client.write(replyBytes(REPLY.succeeded)),
  failed: (client, _message, err) => client.end(replyBytes(failureCode(err))),
};

function sameSecret(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/**
 * Runs the SOCKS5 handshake on a socket whose first byte was 0x05 (already read and put back). Anything
 * malformed, a wrong password or an unsupported command gets the SOCKS answer for it and the socket closed.
 */
export function serveSocks(ctx: SocksContext, socket: net.Socket): void {
  let buffer: Buffer = Buffer.alloc(0);
  let stage: 'greeting' | 'auth' | 'request' = 'greeting';
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
  timer.unref();
  const fail = (bytes: Buffer | undefined, why: string) => {
    clearTimeout(timer);
    socket.off('data', onData);
    if (bytes) socket.end(bytes);
    else socket.destroy();
    ctx.onError?.('SOCKS_HANDSHAKE', new Error(why));
  };
  const onData = (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    if (buffer.length > MAX_HANDSHAKE_BYTES) return fail(undefined, 'handshake too long');
    for (;;) {
      if (stage === 'greeting') {
        if (buffer.length < 2) return;
        if (buffer[0] !== SOCKS_VERSION) return fail(undefined, `not SOCKS5 (version ${buffer[0]})`);
        const n = buffer[1];
        if (buffer.length < 2 + n) return;
        const methods = [...buffer.subarray(2, 2 + n)];
        buffer = buffer.subarray(2 + n);
        const wanted = ctx.credentials ? 0x02 : 0x00;
        if (!methods.includes(wanted)) return fail(Buffer.from([SOCKS_VERSION, 0xff]), ctx.credentials ? 'the client offered no username/password authentication' : 'the client offered no method without authentication');
        socket.write(Buffer.from([SOCKS_VERSION, wanted]));
        stage = ctx.credentials ? 'auth' : 'request';
        continue;
      }
      if (stage === 'auth') {
        if (buffer.length < 2) return;
        if (buffer[0] !== 0x01) return fail(Buffer.from([0x01, 0x01]), `bad authentication version ${buffer[0]}`);
        const ulen = buffer[1];
        if (buffer.length < 2 + ulen + 1) return;
        const plen = buffer[2 + ulen];
        if (buffer.length < 3 + ulen + plen) return;
        const username = buffer.subarray(2, 2 + ulen).toString('utf8');
        const password = buffer.subarray(3 + ulen, 3 + ulen + plen).toString('utf8');
        buffer = buffer.subarray(3 + ulen + plen);
        const { credentials } = ctx;
        // Both compared, always, so the time taken does not tell which one was wrong.
        const userOk = sameSecret(username, credentials!.username);
        const passOk = sameSecret(password, credentials!.password);
        if (!(userOk && passOk)) return fail(Buffer.from([0x01, 0x01]), `wrong SOCKS username or password from ${plainIp(socket.remoteAddress ?? '')}`);
        socket.write(Buffer.from([0x01, 0x00]));
        stage = 'request';
        continue;
      }
      // Request: VER CMD RSV ATYP DST.ADDR DST.PORT
      if (buffer.length < 5) return;
      if (buffer[0] !== SOCKS_VERSION) return fail(undefined, `bad request version ${buffer[0]}`);
      const atyp = buffer[3];
      const addressLength = atyp === 0x01 ? 4 : atyp === 0x04 ? 16 : atyp === 0x03 ? 1 + buffer[4] : -1;
      if (addressLength < 0) return fail(replyBytes(REPLY.address), `address type ${atyp} is not supported`);
      if (buffer.length < 4 + addressLength + 2) return;
      if (buffer[1] !== 0x01) return fail(replyBytes(REPLY.command), `command ${buffer[1]} is not supported (only CONNECT)`);
      const address = buffer.subarray(4, 4 + addressLength);
      const host = atyp === 0x01 ? [...address].join('.') : atyp === 0x04 ? ipv6(address) : address.subarray(1).toString('latin1').toLowerCase();
      const port = buffer.readUInt16BE(4 + addressLength);
      const rest = buffer.subarray(4 + addressLength + 2);
      if (port === 0 || host === '' || !/^[a-z0-9._:-]+$/i.test(host)) return fail(replyBytes(REPLY.address), `bad destination ${JSON.stringify(host)}:${port}`);
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      const authority = `${urlHost(host)}:${port}`;
      const connect = { method: 'CONNECT', url: authority, httpVersion: '1.1', headers: { host: authority }, rawHeaders: ['Host', authority], socket } as unknown as http.IncomingMessage;
      ctx.onConnect(socket, connect, { host, port }, SOCKS_REPLY);
      return;
    }
  };
  socket.on('data', onData);
  socket.resume();
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Let net normalise (compress zeros) through a round trip of the canonical form.
  const text = groups.join(':');
  return net.isIPv6(text) ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text;
}

/**
 * Puts the SOCKS5 sniffer in front of an HTTP server's 'connection' listeners: a connection whose first
 * byte is 0x05 goes to `socks`, every other one (and sockets handed over from tunnels) to the listeners
 * that were there, with its first bytes put back. Call once, after the server listens. `seen` is told the
 * first bytes of every HTTP connection, plain tunnels included (request-line.ts keeps their request line).
 */
export function sniffSocks(server: net.Server, socks: (socket: net.Socket) => void, seen?: (socket: net.Socket, first: Buffer) => void): void {
  const httpListeners = server.listeners('connection') as ((socket: net.Socket) => void)[];
  server.removeAllListeners('connection');
  const toHttp = (socket: net.Socket) => {
    for (const listener of httpListeners) listener.call(server, socket);
  };
  server.on('connection', (socket: net.Socket) => {
    if ((socket as net.Socket & { connectRequest?: unknown }).connectRequest) {
      // A plain tunnel, handed over paused with its first bytes put back: they come again when it resumes, to this
      // listener first (added before the HTTP server's own).
      if (seen) socket.once('data', (first: Buffer) => seen(socket, first));
      return toHttp(socket);
    }
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === SOCKS_VERSION) return socks(socket);
      seen?.(socket, first);
      toHttp(socket);
      socket.resume();
    });
  });
}
