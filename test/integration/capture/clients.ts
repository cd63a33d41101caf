/**
 * Real clients for the capture tests: curl (a child process, so it never blocks the proxy running in the
 * test process) and undici's ProxyAgent, both pointed at the proxy and trusting its CA.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool, ProxyAgent } from 'undici';

export interface CurlResult {
  /** curl's exit code (0 = transfer completed). */
  exit: number;
  /** HTTP status of the last response (0 when there was none). */
  status: number;
  body: string;
  stderr: string;
}

/** Runs curl with `-sS`, through `proxyUrl` unless null; the CA file (if any) goes to --cacert. */
export function curl(proxyUrl: string | null, args: string[], options: { caFile?: string; timeoutMs?: number } = {}): Promise<CurlResult> {
  const full = ['-sS', ...(proxyUrl ? ['-x', proxyUrl] : ['--noproxy', '*']), '--max-time', String((options.timeoutMs ?? 20_000) / 1000), '-w', '\n@@%{http_code}', ...(options.caFile ? ['--cacert', options.caFile] : []), ...args];
  return new Promise((resolve) => {
    execFile('curl', full, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const at = stdout.lastIndexOf('\n@@');
      const status = at >= 0 ? Number(stdout.slice(at + 3)) : 0;
      const exit = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ exit, status, body: at >= 0 ? stdout.slice(0, at) : stdout, stderr });
    });
  });
}

/** Writes `pem` to a temp file for curl's --cacert; removed by the returned dispose. */
export function pemFile(pem: string): { file: string; dispose(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-ca-'));
  const file = path.join(dir, 'ca.pem');
  fs.writeFileSync(file, pem);
  return { file, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * undici through the proxy. `tunnel: true` (undici's default) sends even http:// requests through CONNECT;
 * false sends them absolute-form. `localAddress` binds the client's connections to the proxy; `connections`
 * caps them per origin.
 */
export function proxyAgent(proxyUrl: string, caPem: string, options: { tunnel?: boolean; localAddress?: string; connections?: number } = {}): ProxyAgent {
  const bind = { ...(options.localAddress ? { localAddress: options.localAddress } : {}), ...(options.connections ? { connections: options.connections } : {}) };
  return new ProxyAgent({
    uri: proxyUrl,
    proxyTunnel: options.tunnel ?? true,
    requestTls: { ca: caPem },
    clientFactory: (origin, opts) => new Pool(origin, { ...opts, ...bind }),
    factory: (origin, opts) => new Pool(origin, { ...opts, ...bind }),
  });
}
