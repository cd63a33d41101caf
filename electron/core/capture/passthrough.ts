/**
 * Passthrough tunnels (connection rules, electron/common/connection-rule.ts): a CONNECT to a host a
 * passthrough rule names is answered 200 and relayed byte for byte to the origin, never decrypted, so
 * certificate-pinned apps see the origin's own certificate. The flow (unless do-not-record applies) holds
 * the host, the bytes each way and the duration, nothing else: no request or response is ever parsed.
 */
import type http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FlowError } from '../../common/flow';
import type { Rule } from '../../common/rule';
import type { Recorder } from './recorder';
import { urlHost } from './target';

export interface TunnelEnd {
  socket: net.Socket;
  /** The upstream proxy the tunnel goes through, for the flow (undefined: direct). */
  via?: string;
}

export interface PassthroughContext {
  recorder: Recorder;
  /** Opens the connection to host:port (directly or through an upstream proxy); rejects with the reason. */
  open(host: string, port: number, clientIp: string): Promise<TunnelEnd>;
  /** Sockets to close when the proxy is disposed. */
  track(socket: net.Socket): void;
}

/** How the client learns the tunnel is open or failed: an HTTP answer to CONNECT, or a SOCKS5 reply. */
export interface TunnelReply {
  opened(client: net.Socket): void;
  failed(client: net.Socket, message: string, err: NodeJS.ErrnoException): void;
}

export const CONNECT_REPLY: TunnelReply = {
  opened: (client) => client.write('HTTP/1.1 200 Connection Established\r\n\r\n'),
  failed(client, message) {
    const text = `Hindsight: ${message}\n`;
    client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  },
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

/** One tunnel: where it goes, who opened it, and the passthrough rule that took it. */
export interface Tunnel {
  to: { host: string; port: number };
  client: { ip: string; port: number };
  rule: Rule;
}

export function passThrough(ctx: PassthroughContext, connect: http.IncomingMessage, client: net.Socket, head: Buffer, tunnel: Tunnel, reply: TunnelReply = CONNECT_REPLY): void {
  const { to } = tunnel;
  const clientIp = tunnel.client.ip;
  const started = performance.now();
  const url = `https://${urlHost(to.host)}:${to.port}`;
  const target = { secure: true, host: to.host, port: to.port, path: '/', url, tunnelled: false };
  const recording = ctx.recorder.begin(connect, target, tunnel.client, url);
  recording?.flow.appliedRules.push({ id: tunnel.rule.id, kind: 'passthrough', name: tunnel.rule.name });
  ctx.track(client);
  let bytesUp = head.length;
  let bytesDown = 0;
  let finished = false;
  const finish = (error?: FlowError) => {
    if (finished) return;
    finished = true;
    if (!recording) return;
    const flow = recording.flow;
    flow.tunnel = { bytesUp, bytesDown };
    flow.request.body = { size: bytesUp, storedSize: 0, truncated: bytesUp > 0 };
    recording.finish({ totalMs: Math.round(performance.now() - started) }, error);
  };
  client.on('error', () => {});
  ctx.open(to.host, to.port, clientIp).then(
    ({ socket: upstream, via }) => {
      ctx.track(upstream);
      if (recording) {
        if (via) recording.flow.upstreamProxy = via;
        else recording.connectedTo(upstream);
      }
      if (client.destroyed) {
        upstream.destroy();
        return finish({ phase: 'client', message: 'the client closed the tunnel before it was open' });
      }
      upstream.on('error', () => {});
      reply.opened(client);
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => (bytesUp += chunk.length));
      upstream.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
      client.pipe(upstream);
      upstream.pipe(client);
      // Either side closing ends the tunnel; the other side is closed too (half-closes pass through pipe).
      let closed = 0;
      const onClose = () => {
        if (++closed === 1) {
          client.destroySoon?.();
          upstream.destroySoon?.();
          setTimeout(() => (client.destroy(), upstream.destroy()), 5_000).unref();
        } else finish();
      };
      client.once('close', onClose);
      upstream.once('close', onClose);
      client.resume();
    },
    (err: NodeJS.ErrnoException) => {
      const where = `${urlHost(to.host)}:${to.port}`;
      const phase = DNS_CODES.has(err.code ?? '') ? 'dns' : err.code ? 'connect' : 'upstream';
      const message = phase === 'dns' ? `could not resolve ${to.host} (${err.code})` : phase === 'connect' ? `could not connect to ${where} (${err.code})` : err.message;
      if (!client.destroyed) reply.failed(client, message, err);
      finish({ phase, message });
    },
  );
}
