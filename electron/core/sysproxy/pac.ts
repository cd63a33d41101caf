/**
 * PAC mode: the OS is pointed at a PAC URL on loopback instead of a fixed proxy. The script says
 * `PROXY host:port; DIRECT`, so while Hindsight runs traffic goes through it, and when it does not
 * (quit without restoring, a crash) browsers fall back to a direct connection instead of losing the network.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const PAC_PATH = '/proxy.pac';

/** The PAC script for a proxy and a bypass list ("<local>" = plain host names, "*.x" wildcards). */
export function pacScript(host: string, port: number, bypass: readonly string[]): string {
  const patterns = bypass.filter((b) => b !== '<local>');
  return [
    '// Hindsight: through the proxy while it runs, direct when it does not.',
    'function FindProxyForURL(url, host) {',
    ...(bypass.includes('<local>') ? ['  if (isPlainHostName(host)) return "DIRECT";'] : []),
    `  var bypass = ${JSON.stringify(patterns)};`,
    '  for (var i = 0; i < bypass.length; i++) {',
    '    if (shExpMatch(host, bypass[i])) return "DIRECT";',
    '  }',
    `  return ${JSON.stringify(`PROXY ${host.includes(':') ? `[${host}]` : host}:${port}; DIRECT`)};`,
    '}',
    '',
  ].join('\n');
}

export interface PacServer {
  readonly url: string;
  /** Replaces the script served from now on (the proxy moved, the bypass list changed). */
  setScript(script: string): void;
  dispose(): Promise<void>;
}

/** Serves the PAC script on 127.0.0.1 (a port of its own, so it works whoever owns the proxy port). */
export async function startPacServer(script: string): Promise<PacServer> {
  let current = script;
  const server = http.createServer((req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url?.split('?')[0] === PAC_PATH) {
      res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : current);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PAC_PATH}`,
    setScript(s) {
      current = s;
    },
    dispose: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
