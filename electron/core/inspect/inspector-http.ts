/**
 * One small GET to a Node inspector's HTTP side (`/json/list`, `/json/version`). Node answers HTTP/1.0 and
 * closes the connection, so the request is written by hand on a plain socket and the answer is everything
 * read until the close: no agent, no parser objects, which keeps polling twenty ports several times a
 * second cheap (a closed port refuses at once).
 */
import net from 'node:net';
import { hostPort } from '../../common/inspect';

/** `answered`: the port spoke HTTP (text may still not be an inspector's); `refused`: nothing listens; `unknown`: timeout or error mid-way. */
export type InspectorReply = { kind: 'answered'; status: number; text: string } | { kind: 'refused' } | { kind: 'unknown' };

const MAX_REPLY = 256 * 1024;

export function getInspectorText(host: string, port: number, path: string, timeoutMs: number): Promise<InspectorReply> {
  return new Promise((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = net.connect({ host, port });
    const settle = (reply: InspectorReply) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(timeoutMs, () => settle({ kind: 'unknown' }));
    socket.on('connect', () => {
      // Node's inspector refuses a Host that is not an IP address or localhost; host:port of an IP literal passes.
      socket.end(`GET ${path} HTTP/1.0\r\nHost: ${hostPort(host, port)}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY) return settle({ kind: 'unknown' });
      chunks.push(chunk);
    });
    socket.on('end', () => settle(parseReply(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', (err: NodeJS.ErrnoException) => settle(err.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'unknown' }));
  });
}

/** `HTTP/1.x STATUS …\r\n…\r\n\r\nBODY` → status and body; anything else is not an HTTP answer. */
function parseReply(text: string): InspectorReply {
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text);
  const split = text.indexOf('\r\n\r\n');
  if (!m || split < 0) return { kind: 'unknown' };
  return { kind: 'answered', status: Number(m[1]), text: text.slice(split + 4) };
}
