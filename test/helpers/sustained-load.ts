/**
 * Sustained capture for tests: a closed loop of `connections` undici clients sending GETs through a proxy
 * (plain HTTP proxying, no tunnel) one after another, bounded both in requests and in time.
 */
import { ProxyAgent, request } from 'undici';

export interface LoadResult {
  /** Requests answered 200 with the whole body. */
  ok: number;
  /** Requests that failed or came back with another status or length. */
  failed: number;
}

export async function sustainedLoad(options: { proxyUrl: string; url: string; expectBytes: number; connections: number; maxRequests: number; maxMs: number }): Promise<LoadResult> {
  const dispatcher = new ProxyAgent({ uri: options.proxyUrl, proxyTunnel: false, connections: options.connections });
  const end = Date.now() + options.maxMs;
  let issued = 0;
  const result: LoadResult = { ok: 0, failed: 0 };
  try {
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (issued < options.maxRequests && Date.now() < end) {
          issued++;
          try {
            const { statusCode, body } = await request(options.url, { dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 });
            let n = 0;
            for await (const chunk of body) n += (chunk as Buffer).length;
            if (statusCode === 200 && n === options.expectBytes) result.ok++;
            else result.failed++;
          } catch {
            result.failed++;
          }
        }
      }),
    );
  } finally {
    await dispatcher.close();
  }
  return result;
}
