/**
 * PAC scripts for upstream-proxy rules: FindProxyForURL() runs in a QuickJS VM compiled to WebAssembly
 * (pac-resolver + degenerator on quickjs-wasi), so a script has no access to Node, the file system or the
 * network; its DNS helpers use the proxy's own lookup. A script gets 64 MB and 1 s per call. A file is read
 * again when its modification time changes; a PAC URL is fetched at most every 5 minutes.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { QuickJS } from 'quickjs-wasi';
import { parseUpstreamProxy, type UpstreamProxy } from '../../common/connection-rule';
import { onFirstUse } from '../base/on-first-use';

const CALL_LIMIT_MS = 1_000;
const MEMORY_LIMIT = 64 * 1024 * 1024;
const URL_CACHE_MS = 5 * 60_000;
const MAX_SCRIPT_BYTES = 1024 * 1024;

/** QuickJS takes a BufferSource (a DOM type this project's Node-only lib does not declare); a Buffer is one. */
type WasmBytes = Extract<Parameters<typeof QuickJS.create>[0], { wasm: unknown }>['wasm'];

type Find = (url: string, host: string) => Promise<string>;

interface Loaded {
  /** mtime for a file, fetch time for a URL. */
  stamp: number;
  find: Find;
  vm: QuickJS;
}

/** pac-resolver (with its JavaScript parser and generator) and quickjs-wasi: ~15 MB, loaded by the first PAC script. */
const pacResolver = onFirstUse(() => require('pac-resolver') as typeof import('pac-resolver'));
const quickJs = onFirstUse(() => require('quickjs-wasi') as typeof import('quickjs-wasi'));

let wasm: Promise<Buffer> | undefined;
/** The QuickJS binary shipped with quickjs-wasi, read once. */
function quickJsWasm(): Promise<Buffer> {
  wasm ??= fs.promises.readFile(createRequire(__filename).resolve('quickjs-wasi/quickjs.wasm'));
  return wasm;
}

export class PacScripts {
  private readonly loaded = new Map<string, Promise<Loaded>>();

  /** The first proxy the script names for this URL (`DIRECT` → direct). Rejects with a reason. */
  async resolve(location: string, url: string, host: string): Promise<UpstreamProxy> {
    const script = await this.load(location);
    const answer = await script.find(url, host);
    return firstProxy(answer, location);
  }

  dispose(): void {
    for (const p of this.loaded.values()) void p.then((l) => l.vm.dispose(), () => {});
    this.loaded.clear();
  }

  private async load(location: string): Promise<Loaded> {
    const file = location.startsWith('file:') ? fileURLToPath(location) : undefined;
    const stamp = file ? (await fs.promises.stat(file)).mtimeMs : Date.now();
    const cached = this.loaded.get(location);
    if (cached) {
      const current = await cached.catch(() => undefined);
      if (current && (file ? current.stamp === stamp : stamp - current.stamp < URL_CACHE_MS)) return current;
      current?.vm.dispose();
    }
    const next = (async () => {
      const text = file ? await fs.promises.readFile(file, 'utf8') : await fetchScript(location);
      if (text.length > MAX_SCRIPT_BYTES) throw new Error(`the PAC script ${location} is larger than 1 MB`);
      let deadline = 0;
      const vm = await quickJs().QuickJS.create({ wasm: (await quickJsWasm()) as WasmBytes, memoryLimit: MEMORY_LIMIT, interruptHandler: () => deadline > 0 && Date.now() > deadline });
      const resolver = pacResolver().createPacResolver(vm, text, { filename: location });
      const find: Find = async (url, host) => {
        deadline = Date.now() + CALL_LIMIT_MS;
        try {
          return await resolver(url, host);
        } finally {
          deadline = 0;
        }
      };
      return { stamp, find, vm };
    })();
    this.loaded.set(location, next);
    next.catch(() => this.loaded.delete(location));
    return next;
  }
}

async function fetchScript(location: string): Promise<string> {
  const response = await fetch(location, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the PAC script ${location} answered ${response.status}`);
  return response.text();
}

/** `PROXY a:1; SOCKS5 b:2; DIRECT` → the first entry Hindsight can use. */
export function firstProxy(answer: string, location: string): UpstreamProxy {
  for (const entry of String(answer).split(';')) {
    const [keyword, hostPort] = entry.trim().split(/\s+/);
    const word = (keyword ?? '').toUpperCase();
    if (word === 'DIRECT') return { kind: 'direct' };
    const scheme = word === 'PROXY' || word === 'HTTP' ? 'http' : word === 'HTTPS' ? 'https' : word === 'SOCKS' || word === 'SOCKS5' ? 'socks5' : undefined;
    if (!scheme || !hostPort) continue;
    const parsed = parseUpstreamProxy(`${scheme}://${hostPort}`);
    if (parsed.ok) return parsed.proxy;
  }
  throw new Error(`the PAC script ${location} named no usable proxy (it returned ${JSON.stringify(String(answer).slice(0, 200))})`);
}
