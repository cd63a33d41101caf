/**
 * Large bodies written with `COPY bodies FROM STDIN (FORMAT binary)` (pg-copy-streams), inside the batch's
 * transaction (pg-write.ts). A body goes to the connection's socket as the chunks the proxy received, each
 * framed as a CopyData message: no buffer of the whole body is built. A bound parameter (INSERT … VALUES)
 * costs three: the chunks joined, then node-postgres copying the value into the Bind message's parameter
 * buffer and that buffer into the message, each growing by copying — at 100 KB bodies those copies and the
 * garbage collections they caused were most of what the PostgreSQL store cost the proxy beyond the embedded one.
 *
 * COPY cannot upsert, so the bodies' earlier rows of the same name (a body written again) are deleted first,
 * in the same transaction: the row ends as the INSERT … ON CONFLICT DO UPDATE of smaller bodies leaves it.
 * COPY needs a connection outside pipeline mode (node-postgres refuses other query kinds there), so a batch
 * with a large body is written on the store's second writer connection (pg-db.ts openCopyWriterPool).
 */
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { onFirstUse } from '../../base/on-first-use';
import type { BodyRow } from './pg-bodies';

/** Loaded with the first large body, like node-postgres itself (pg-db.ts pgClient). */
const pgCopyStreams = onFirstUse(() => require('pg-copy-streams') as typeof import('pg-copy-streams'));
const copyFrom = (text: string) => pgCopyStreams().from(text);

/** The binary COPY header: signature, flags (no OIDs), header extension length 0. */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1: the end of the data. */
const TRAILER = Buffer.from([0xff, 0xff]);

/** A tuple's start: 3 fields, blob and flow id with their lengths, and the data's length (its bytes follow). */
function tupleHead(row: BodyRow): Buffer {
  const blob = Buffer.from(row.blob, 'utf8');
  const flowId = Buffer.from(row.flowId, 'utf8');
  const head = Buffer.allocUnsafe(2 + 4 + blob.length + 4 + flowId.length + 4);
  let at = head.writeInt16BE(3, 0);
  at = head.writeInt32BE(blob.length, at);
  at += blob.copy(head, at);
  at = head.writeInt32BE(flowId.length, at);
  at += flowId.copy(head, at);
  head.writeInt32BE(row.size, at);
  return head;
}

/** Deletes earlier rows of `rows`' blobs, then copies `rows` in; on `client`, inside the caller's transaction. */
export async function copyBodies(client: pg.ClientBase, rows: BodyRow[]): Promise<void> {
  await client.query('DELETE FROM bodies WHERE blob = ANY($1)', [rows.map((r) => r.blob)]);
  const copy = client.query(copyFrom('COPY bodies (blob, flow_id, data) FROM STDIN (FORMAT binary)'));
  corkWhileFlushing(copy);
  // Written at once and ended: the stream holds it until the server is ready for the COPY's data.
  copy.write(HEADER);
  for (const row of rows) {
    copy.write(tupleHead(row));
    for (const chunk of row.chunks) copy.write(chunk);
  }
  copy.end(TRAILER);
  await finished(copy);
}

/**
 * pg-copy-streams writes each CopyData message as two socket writes (its 5-byte header, then the data): with
 * the socket corked while it sends what was buffered before the server was ready, they leave as one writev
 * instead of a system call each.
 */
function corkWhileFlushing(copy: ReturnType<typeof copyFrom>): void {
  const target = copy as unknown as { handleCopyInResponse(connection: { stream: NodeJS.WritableStream & { cork(): void; uncork(): void } }): void };
  const handle = target.handleCopyInResponse.bind(copy);
  target.handleCopyInResponse = (connection) => {
    connection.stream.cork();
    try {
      handle(connection);
    } finally {
      connection.stream.uncork();
    }
  };
}
