/**
 * The API tests run against a real core (createCore through test/helpers/core.ts: proxy on port 0, real
 * store, real CA, real rules) in a temp dir. Flows enter the store through its CaptureSink, exactly as the
 * proxy's would, so each test controls precisely which flows and bodies exist.
 */
import zlib from 'node:zlib';
import type { BodyRef, Flow } from '../../../electron/common/flow';
import type { Core } from '../../../electron/core/core-types';
import { startTestCore } from '../../helpers/core';
import { makeFlow, type MakeFlowOptions } from '../../helpers/flows';

export interface TestCore {
  core: Core;
  dataDir: string;
  close(): Promise<void>;
}

export async function openTestCore(): Promise<TestCore> {
  const t = await startTestCore();
  return { core: t.core, dataDir: t.dataDir, close: () => t.dispose() };
}

/** Writes a body file through the store's real body writer and returns its reference. */
export async function writeBody(core: Core, flowId: string, side: 'request' | 'response', bytes: Buffer, info: { contentType?: string; encoding?: string } = {}): Promise<BodyRef> {
  const writer = core.store.bodies.open(flowId, side, info);
  writer.write(bytes);
  const ref = writer.end();
  const bodies = core.store.bodies as { flush?: () => Promise<void> };
  await bodies.flush?.();
  return ref;
}

/** Adds flows through the capture sink and resolves once the store has announced all of them. */
export async function addFlows(core: Core, flows: Flow[]): Promise<void> {
  const waiting = new Set(flows.map((f) => f.id));
  const seen = new Promise<void>((resolve) => {
    const sub = core.store.onDidAdd((added) => {
      for (const s of added) waiting.delete(s.id);
      if (waiting.size === 0) {
        sub.dispose();
        resolve();
      }
    });
  });
  for (const f of flows) core.store.flowStarted(f);
  await seen;
}

export const sample = {
  json: Buffer.from(JSON.stringify({ hello: 'world', n: [1, 2, 3] })),
  text: Buffer.from('plain text body '.repeat(50)),
};

/** A completed flow whose response body is stored with the given Content-Encoding. */
export async function flowWithBody(core: Core, encoding: 'gzip' | 'br' | 'deflate' | undefined, plain = sample.json, options: MakeFlowOptions = {}): Promise<Flow> {
  const flow = makeFlow({ response: true, ...options });
  const encoded =
    encoding === 'gzip' ? zlib.gzipSync(plain) : encoding === 'br' ? zlib.brotliCompressSync(plain) : encoding === 'deflate' ? zlib.deflateSync(plain) : plain;
  const info = { contentType: 'application/json', ...(encoding ? { encoding } : {}) };
  flow.response!.body = await writeBody(core, flow.id, 'response', encoded, info);
  flow.response!.headers = [['Content-Type', 'application/json'], ...(encoding ? ([['Content-Encoding', encoding]] as [string, string][]) : [])];
  return flow;
}
