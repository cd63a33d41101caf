/**
 * Reverse mode's h2c: a client that talks HTTP/2 with prior knowledge to the proxy port opens with the
 * preface ("PRI * HTTP/2.0…"), which Node's HTTP/1.1 parser would reject. The server's own connection
 * handler is put behind a look at the first bytes: the preface goes to the HTTP/2 front, anything else to
 * the HTTP/1.1 handler exactly as before (the bytes put back, as the tunnel hand-off in the patch does).
 */
import type http from 'node:http';
import type net from 'node:net';
import { PREFACE_START } from './front';

/** `on`: asked per connection (HTTP/2 can be switched off and on while running; off, the preface goes to HTTP/1.1). */
export function servePrefaceAsH2(server: http.Server, on: () => boolean, toH2: (socket: net.Socket) => void): void {
  const http1 = server.listeners('connection') as ((socket: net.Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: net.Socket) => {
    const start = (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (on() && first.length >= PREFACE_START.length && first.toString('latin1', 0, PREFACE_START.length) === PREFACE_START) return toH2(socket);
      for (const listener of http1) listener.call(server, socket);
      socket.resume();
    };
    socket.once('data', start);
  });
}
