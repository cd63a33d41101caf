/**
 * The API suite, run once per transport (VS Code runs one IPC suite over each protocol pair): the same
 * calls and events must behave the same in-memory and over the WebSocket.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type ApiEvent, type ApiEvents, type ApiMethod } from '../../../electron/common/api';
import type { DisposableApiClient } from '../../../electron/common/api-client';
import { toSummary } from '../../../electron/common/flow';
import type { Core } from '../../../electron/core/core-types';
import { makeFlow } from '../../helpers/flows';
import { addFlows, flowWithBody, openTestCore, sample, writeBody, type TestCore } from './harness';

export interface Connection {
  client: DisposableApiClient;
  /** Counts every event batch message the client received (to check batching). */
  batches(): number;
  close(): Promise<void>;
}
export type Connect = (core: Core) => Promise<Connection>;

function rejection(p: Promise<unknown>): Promise<{ code: unknown; message: string; start?: number; end?: number }> {
  return p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => {
      assert.ok(err instanceof ApiError, `not an ApiError: ${String(err)}`);
      const out: { code: unknown; message: string; start?: number; end?: number } = { code: err.code, message: err.message };
      if (err.start !== undefined) out.start = err.start;
      if (err.end !== undefined) out.end = err.end;
      return out;
    },
  );
}

/** Resolves with the data of the first event of that name for which `until` holds. */
function nextEvent<E extends ApiEvent>(client: DisposableApiClient, event: E, until: (data: ApiEvents[E]) => boolean = () => true): Promise<ApiEvents[E]> {
  return new Promise((resolve) => {
    const off = client.on(event, (data) => {
      if (!until(data)) return;
      off();
      resolve(data);
    });
  });
}

export function apiSuite(transport: string, connect: Connect): void {
  describe(`API over ${transport}`, () => {
    let t: TestCore;
    let conn: Connection;
    let client: DisposableApiClient;

    beforeEach(async () => {
      t = await openTestCore();
      conn = await connect(t.core);
      client = conn.client;
    });
    afterEach(async () => {
      await conn.close();
      await t.close();
    });

    it('status.get and capture.set, with a status/changed event', async () => {
      const changed = nextEvent(client, 'status/changed');
      const before = await client.call('status.get', {});
      const after = await client.call('capture.set', { enabled: false });
      assert.deepStrictEqual(
        { before: before.capture, after: after.capture, event: (await changed).capture, dataDir: before.dataDir, caPath: before.caPath },
        { before: true, after: false, event: false, dataDir: t.dataDir, caPath: t.core.ca.certPath },
      );
    });

    it('flows.query pages newest first, filters, and counts', async () => {
      const flows = [
        makeFlow({ response: true, client: { ip: '127.0.0.2', port: 1 } }),
        makeFlow({ response: true, client: { ip: '127.0.0.3', port: 1 }, request: { method: 'POST', url: 'http://api.test/users', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
        makeFlow({ response: true, client: { ip: '127.0.0.2', port: 2 } }),
      ];
      await addFlows(t.core, flows);
      const first = await client.call('flows.query', { limit: 2 });
      const second = await client.call('flows.query', { limit: 2, before: first.nextCursor, beforeTime: first.nextCursorTime });
      const byIp = await client.call('flows.query', { filter: 'ip:127.0.0.2' });
      const byUrl = await client.call('flows.query', { filter: 'host:api.test method:POST' });
      const summaries = flows.map(toSummary);
      assert.deepStrictEqual(
        { first, second: second.flows.map((f) => f.id), more: 'nextCursor' in second, byIp: [byIp.flows.map((f) => f.id), byIp.matched, byIp.total], byUrl: byUrl.flows.map((f) => f.id) },
        {
          first: { flows: [summaries[2], summaries[1]], matched: 3, total: 3, nextCursor: flows[1].seq, nextCursorTime: flows[1].startedAt },
          second: [flows[0].id],
          more: false,
          byIp: [[flows[2].id, flows[0].id], 2, 3],
          byUrl: [flows[1].id],
        },
      );
    });

    it('a bad filter answers bad-filter with the offending token range', async () => {
      const err = await rejection(client.call('flows.query', { filter: 'host:a status:abc' }));
      assert.deepStrictEqual({ code: err.code, start: err.start, end: err.end }, { code: 'bad-filter', start: 14, end: 17 });
      assert.match(err.message, /status/);
    });

    it('bad params are refused with a message naming the param', async () => {
      const call = (method: ApiMethod, params: unknown) => rejection(client.call(method, params as never));
      const errors = await Promise.all([
        call('flows.query', { limit: 5001 }),
        call('flows.query', { limit: 'ten' }),
        call('flows.query', { before: -1 }),
        call('flows.query', { filter: 42 }),
        call('flows.get', { id: 7 }),
        call('flows.get', {}),
        call('flows.body', { id: 'x', side: 'both' }),
        call('flows.pin', { ids: ['a', 3], pinned: true }),
        call('flows.pin', { ids: ['a'] }),
        call('flows.delete', { ids: 'a' }),
        call('capture.set', { enabled: 'yes' }),
        call('flows.clear', { everything: true }),
        call('status.get', [1]),
      ]);
      assert.deepStrictEqual(errors, [
        { code: 'bad-params', message: "flows.query: param 'limit' must be an integer from 1 to 5000" },
        { code: 'bad-params', message: "flows.query: param 'limit' must be an integer from 1 to 5000" },
        { code: 'bad-params', message: `flows.query: param 'before' must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}` },
        { code: 'bad-params', message: "flows.query: param 'filter' must be a string" },
        { code: 'bad-params', message: "flows.get: param 'id' must be a non-empty string of at most 200 characters" },
        { code: 'bad-params', message: "flows.get: param 'id' must be a non-empty string of at most 200 characters" },
        { code: 'bad-params', message: "flows.body: param 'side' must be one of 'request', 'response'" },
        { code: 'bad-params', message: "flows.pin: param 'ids[1]' must be a non-empty string of at most 200 characters" },
        { code: 'bad-params', message: "flows.pin: param 'pinned' must be a boolean" },
        { code: 'bad-params', message: "flows.delete: param 'ids' must be an array of flow ids" },
        { code: 'bad-params', message: "capture.set: param 'enabled' must be a boolean" },
        { code: 'bad-params', message: "flows.clear: unknown param 'everything'" },
        { code: 'bad-params', message: 'status.get: params must be an object' },
      ]);
    });

    it('flows.get returns the whole flow, null for an unknown id', async () => {
      const flow = makeFlow({ response: true, tags: ['a'], comment: 'c' });
      await addFlows(t.core, [flow]);
      assert.deepStrictEqual({ found: await client.call('flows.get', { id: flow.id }), missing: await client.call('flows.get', { id: 'no-such-flow' }) }, { found: flow, missing: null });
    });

    it('flows.body returns raw and decoded bytes for gzip, br and deflate', async () => {
      const flows = await Promise.all([flowWithBody(t.core, 'gzip'), flowWithBody(t.core, 'br'), flowWithBody(t.core, 'deflate'), flowWithBody(t.core, undefined, sample.text)]);
      await addFlows(t.core, flows);
      const results = [];
      for (const f of flows) {
        const raw = await client.call('flows.body', { id: f.id, side: 'response' });
        const decoded = await client.call('flows.body', { id: f.id, side: 'response', decode: true });
        results.push({
          rawMatchesFile: raw && Buffer.from(raw.base64, 'base64').equals(await t.core.store.bodies.read(f.response!.body)),
          rawDecoded: raw?.decoded,
          decoded: decoded && { ...decoded, base64: Buffer.from(decoded.base64, 'base64').toString() },
        });
      }
      assert.deepStrictEqual(
        results,
        flows.map((f, i) => {
          const ref = f.response!.body;
          return {
            rawMatchesFile: true,
            rawDecoded: false,
            decoded: {
              base64: (i === 3 ? sample.text : sample.json).toString(),
              size: ref.size,
              storedSize: ref.storedSize,
              truncated: false,
              decoded: ref.encoding !== undefined,
              contentType: 'application/json',
              ...(ref.encoding ? { encoding: ref.encoding } : {}),
            },
          };
        }),
      );
    });

    it('flows.body reports a decode failure and returns the raw bytes; null for a missing side', async () => {
      const flow = makeFlow({ response: true });
      const garbage = Buffer.from('this is not gzip');
      flow.response!.body = await writeBody(t.core, flow.id, 'response', garbage, { contentType: 'text/plain', encoding: 'gzip' });
      const live = makeFlow({});
      await addFlows(t.core, [flow, live]);
      const bad = await client.call('flows.body', { id: flow.id, side: 'response', decode: true });
      assert.deepStrictEqual(
        {
          bad: bad && { base64: Buffer.from(bad.base64, 'base64').toString(), decoded: bad.decoded, decodeError: bad.decodeError },
          noResponse: await client.call('flows.body', { id: live.id, side: 'response' }),
          noFlow: await client.call('flows.body', { id: 'nope', side: 'request' }),
          emptyRequest: await client.call('flows.body', { id: live.id, side: 'request' }),
        },
        {
          bad: { base64: 'this is not gzip', decoded: false, decodeError: 'could not decode gzip: incorrect header check' },
          noResponse: null,
          noFlow: null,
          emptyRequest: { base64: '', size: 0, storedSize: 0, truncated: false, decoded: false },
        },
      );
    });

    it('pin, delete and clear change the store and announce it', async () => {
      const [a, b, c] = [makeFlow({ response: true }), makeFlow({ response: true }), makeFlow({ response: true })];
      // The client must have been told of the flows first: a change to a flow whose add is still queued is
      // folded into that add (event-batcher.ts), and would never arrive as an update.
      const seen = new Set<string>();
      const announced = nextEvent(client, 'flows/add', (added) => {
        for (const f of added) seen.add(f.id);
        return [a, b, c].every((f) => seen.has(f.id));
      });
      await addFlows(t.core, [a, b, c]);
      await announced;
      const updated = nextEvent(client, 'flows/update', (flows) => flows.some((f) => f.id === a.id));
      const pinned = await client.call('flows.pin', { ids: [a.id, 'missing'], pinned: true });
      const update = await updated;
      const removedB = nextEvent(client, 'flows/remove', (r) => r.ids.includes(b.id));
      const deleted = await client.call('flows.delete', { ids: [b.id] });
      await removedB;
      const clearedEvent = nextEvent(client, 'flows/remove');
      const cleared = await client.call('flows.clear', {});
      const clearEvent = await clearedEvent;
      const left = await client.call('flows.query', {});
      assert.deepStrictEqual(
        { pinned, update: update.find((f) => f.id === a.id)?.pinned, deleted, cleared, clearedIds: clearEvent.all ? 'all' : clearEvent.ids, left: left.flows.map((f) => [f.id, f.pinned]) },
        { pinned: { changed: 1 }, update: true, deleted: { removed: 1 }, cleared: { removed: 1 }, clearedIds: clearEvent.all ? 'all' : [c.id], left: [[a.id, true]] },
      );
    });

    it('ca.get describes the real CA', async () => {
      assert.deepStrictEqual(await client.call('ca.get', {}), t.core.ca.info());
    });

    it('a shell-only method is unavailable here', async () => {
      assert.deepStrictEqual(await rejection(client.call('trust.get', {})), { code: 'unavailable', message: 'trust.get is not available here (it needs the desktop app)' });
    });

    it('a burst of 1,000 flows arrives in at most 5 event batches', async () => {
      const flows = Array.from({ length: 1000 }, () => makeFlow({ response: true }));
      const seen: string[] = [];
      const all = new Promise<void>((resolve) => {
        client.on('flows/add', (added) => {
          seen.push(...added.map((f) => f.id));
          if (seen.length >= flows.length) resolve();
        });
      });
      const before = conn.batches();
      for (const f of flows) t.core.store.flowStarted(f);
      await all;
      const batches = conn.batches() - before;
      assert.deepStrictEqual({ ids: seen, fewBatches: batches >= 1 && batches <= 5 }, { ids: flows.map((f) => f.id), fewBatches: true });
    });

    it('closing the connection rejects calls still pending', async () => {
      const pending = client.call('status.get', {});
      client.dispose();
      assert.equal((await rejection(pending)).code, 'closed');
    });
  });
}
