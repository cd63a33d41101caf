/**
 * One small GET to a Node inspector's HTTP side (`/json/list`, `/json/version`). Node answers HTTP/1.0 and
 * closes, so there is nothing to pool; a refused port fails at once, which is what makes polling twenty
 * closed ports several times a second cheap.
 */
import http from 'node:http';
import { hostPort } from '../../common/inspect';

/** `answered`: the port spoke HTTP (text may still not be an inspector's); `refused`: nothing listens; `unknown`: timeout or error mid-way. */
export type InspectorReply = { kind: 'answered'; status: number; text: string } | { kind: 'refused' } | { kind: 'unknown' };

const MAX_REPLY = 256 * 1024;

export function getInspectorText(host: string, port: number, path: string, timeoutMs: number): Promise<InspectorReply> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (reply: InspectorReply) => {
      if (settled) return;
      settled = true;
      resolve(reply);
    };
    // Node's inspector refuses a Host that is not an IP address or localhost; host:port of an IP literal passes.
    const req = http.get({ host, port, path, agent: false, headers: { Host: hostPort(host, port) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY) {
          req.destroy();
          settle({ kind: 'unknown' });
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => settle({ kind: 'answered', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => settle({ kind: 'unknown' }));
    });
    req.on('timeout', () => {
      req.destroy();
      settle({ kind: 'unknown' });
    });
    req.on('error', (err: NodeJS.ErrnoException) => settle(err.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'unknown' }));
  });
}
