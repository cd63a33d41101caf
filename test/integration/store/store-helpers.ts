/**
 * Shared by the flow store's tests: temp data dirs that are always removed, flows with a given seq and
 * body files written through the store's own BodyStore.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Flow } from '../../../electron/common/flow';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore, StoreOptions } from '../../../electron/core/store/types';
import { makeFlow, type MakeFlowOptions } from '../../helpers/flows';

export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(): string {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
      dirs.push(d);
      return d;
    },
    removeAll(): void {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/** A completed flow with its seq from the store's allocator and a unique id. */
export function storedFlow(store: FlowStore, options: MakeFlowOptions = {}): Flow {
  const seq = store.nextSeq();
  return makeFlow({ response: true, id: `f${seq}`, seq, startedAt: 1_763_700_000_000 + seq, ...options });
}

/** A completed flow whose response body is a real body file. */
export function flowWithBody(store: FlowStore, body: string, options: MakeFlowOptions = {}): Flow {
  const flow = storedFlow(store, options);
  const writer = store.bodies.open(flow.id, 'response', { contentType: 'application/json' });
  writer.write(Buffer.from(body));
  flow.response!.body = writer.end();
  return flow;
}

/** Adds flows the way the proxy does: started live, then updated as completed. */
export function capture(store: FlowStore, flows: Flow[]): void {
  for (const flow of flows) store.flowStarted({ ...flow, state: 'live' });
  for (const flow of flows) store.flowUpdated(flow);
}

/** Every stored flow, newest first, through the public paging. */
export function allSummaryIds(store: FlowStore, filter?: string): string[] {
  const ids: string[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = store.query({ filter, before, limit: 5000 });
    ids.push(...page.flows.map((f) => f.id));
    if (page.nextCursor === undefined) return ids;
    before = page.nextCursor;
  }
  throw new Error('paging did not end');
}

export function nextEvent<T>(event: (listener: (value: T) => void) => { dispose(): void }): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      sub.dispose();
      resolve(value);
    });
  });
}

/** Stores opened by a test file, each ready when returned; `closeAll` (in afterEach) closes them. */
export function openedStores() {
  const open: FlowStore[] = [];
  return {
    async open(options: StoreOptions): Promise<FlowStore> {
      const store = openFlowStore(options);
      open.push(store);
      await store.ready;
      return store;
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((s) => s.close()));
    },
  };
}
