/**
 * Large bodies go by COPY (electron/core/store/pg/pg-body-copy.ts) on a connection of their own, smaller ones
 * as INSERT parameters on the pipelined writer: bodies either side of the threshold in one batch must read
 * back byte-exact from another node, and a body written again under the same name must end as the last
 * write whichever path each write took (COPY cannot upsert; the rows it replaces are deleted first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BodyRef } from '../../../electron/common/flow';
import { COPY_BODY_BYTES } from '../../../electron/core/store/pg/pg-write';
import type { PgFlowStore } from '../../../electron/core/store/pg/pg-store';
import { pgStoreSuite } from '../../helpers/pg-stores';
import { makeFlow } from '../../helpers/flows';

const { skip, cluster, store } = pgStoreSuite();

/** `size` bytes, every byte value, `tag` at the start: bodies that differ from each other. */
function bytes(tag: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (k * 7 + tag) % 256;
  if (size >= 4) b.writeUInt32BE(tag, 0);
  return b;
}

/** Streams `body` into the store as the proxy would, in `chunk`-byte pieces, under `flowId`'s response body. */
function writeBody(s: PgFlowStore, flowId: string, body: Buffer, chunk: number): BodyRef {
  const w = s.bodies.open(flowId, 'response', { contentType: 'application/octet-stream' });
  for (let at = 0; at < body.length; at += chunk) w.write(body.subarray(at, at + chunk));
  return w.end();
}

/** A finished flow with `body` as its response body. */
function capture(s: PgFlowStore, body: Buffer, chunk: number) {
  const seq = s.nextSeq();
  const flow = makeFlow({ response: true, id: `c${seq}`, seq, startedAt: 1_763_700_000_000 + seq });
  flow.response!.body = writeBody(s, flow.id, body, chunk);
  s.flowStarted(flow);
  return flow;
}

test('bodies either side of the COPY threshold in one batch: every one byte-exact on another node, nothing left waiting', { skip, timeout: 120_000 }, async () => {
  const url = await cluster.database();
  const a = await store(url, { node: 'alpha' });
  const b = await store(url, { node: 'beta' });
  const sizes = [1, 1024, COPY_BODY_BYTES - 1, COPY_BODY_BYTES, COPY_BODY_BYTES + 1, 100 * 1024, 3 * 1024 * 1024 + 5];
  // One-byte chunks for the small ones, 16 KB chunks (many CopyData messages per body) for the rest.
  const flows = sizes.map((size, i) => capture(a, bytes(i, size), size < 2048 ? 1 : 16 * 1024));
  await a.flush();
  const actual = [];
  for (const flow of flows) actual.push({ flow: await b.get(flow.id), body: await b.bodies.read(flow.response!.body) });
  assert.deepStrictEqual(actual, flows.map((flow, i) => ({ flow: { ...flow, node: 'alpha' }, body: bytes(i, sizes[i]) })));
  assert.equal(a.bodies.unwrittenBytes(), 0);
  assert.equal(a.dropped(), 0);
});

test('a body written again under the same name ends as the last write, large or small, one row', { skip, timeout: 120_000 }, async () => {
  const url = await cluster.database();
  const a = await store(url, { node: 'alpha' });
  const b = await store(url, { node: 'beta' });
  const large = 200 * 1024;
  const flow = capture(a, bytes(1, large), 64 * 1024);
  await a.flush();
  const steps: [number, number][] = [
    [2, large], // COPY over a COPY
    [3, 10], // INSERT … ON CONFLICT over a COPY
    [4, large], // COPY over an INSERT
  ];
  const seen = [];
  for (const [tag, size] of steps) {
    const ref = writeBody(a, flow.id, bytes(tag, size), 64 * 1024);
    await a.flush();
    seen.push(await b.bodies.read(ref));
  }
  assert.deepStrictEqual(seen, steps.map(([tag, size]) => bytes(tag, size)));
  const { rows } = await b.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bodies WHERE flow_id = $1', [flow.id]);
  assert.deepStrictEqual(rows, [{ n: 1 }]);
});
