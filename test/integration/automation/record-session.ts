/**
 * Records the session of session-origins.ts through a real core: a plain HTTP client sends the 50
 * requests one after another to the proxy (absolute-form, as any proxied client does), the core stores
 * them, and is closed so a CLI command can open the data dir. Returns the data dir and the recorded ids.
 */
import fs from 'node:fs';
import http from 'node:http';
import { startTestCore } from '../../helpers/core';
import { sessionRequests } from './session-origins';

export async function recordSession(originUrl: string): Promise<{ dataDir: string; ids: string[]; remove(): void }> {
  const t = await startTestCore();
  const requests = sessionRequests();
  try {
    for (const r of requests) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: t.port, method: r.method, path: `${originUrl}${r.path}`, headers: r.body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(r.body);
      });
    }
    const flows = await t.finishedFlows(requests.length, 30_000);
    await t.core.dispose();
    return { dataDir: t.dataDir, ids: flows.map((f) => f.id), remove: () => fs.rmSync(t.dataDir, { recursive: true, force: true }) };
  } catch (err) {
    await t.dispose();
    throw err;
  }
}
