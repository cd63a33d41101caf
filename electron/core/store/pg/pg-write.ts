/**
 * One batch of captured flows, their bodies and their messages written in one transaction (pg-store.ts flushes
 * one every 50 ms). How the values travel decides the cost at capture rates:
 *
 * - Bodies of COPY_BODY_BYTES or more go by COPY in binary (pg-body-copy.ts), straight from the chunks the
 *   proxy received. Smaller bodies and message payloads go as separate Buffer parameters of a multi-row
 *   INSERT, which node-postgres sends in binary. A `bytea[]` parameter (unnest) would be sent as an array literal of hex text: twice the
 *   bytes, built by string concatenation in the proxy's thread and parsed again by the server — at 100 KB
 *   bodies that cost milliseconds of CPU per flow and held the hex copies of a whole batch in memory.
 * - Flows go as one JSON document for the whole batch, expanded by `jsonb_to_recordset`: one JSON.stringify
 *   per batch and one parse in the server, instead of two stringified documents per flow escaped again into
 *   `text[]` array literals and parsed twice.
 *
 * New flows are upserts; updates of flows written before are UPDATEs, so a flow deleted meanwhile (by any
 * node) is not brought back. `pinned` is only changed by pin().
 */
import type pg from 'pg';
import { normalizeIp } from '../../../common/cidr';
import { toSummary, type Flow, type FlowSummary } from '../../../common/flow';
import { bodyData, type BodyRow } from './pg-bodies';
import { copyBodies } from './pg-body-copy';
import type { MessageRow } from './pg-messages';
import { FlowListener } from './pg-listen';

const FLOW_CHANNEL = FlowListener.CHANNEL;

/** A flow waiting in the batch; `fresh`: started since the last flush, so written with an upsert. */
export interface PendingFlow {
  flow: Flow;
  fresh: boolean;
}

export interface BatchResult {
  added: FlowSummary[];
  updated: FlowSummary[];
  /** id and revision of every row written, for the catch-up's watermark. */
  revs: [string, number][];
  /** Flows newly inserted (the store's count moves by this). */
  inserted: number;
}

/** Rows per multi-row INSERT, and the payload bytes one statement carries at most (a body may exceed it alone). */
const ROWS_PER_STATEMENT = 1_000;
const BYTES_PER_STATEMENT = 1024 * 1024;
/**
 * A body this large is written by COPY (pg-body-copy.ts), on a connection outside pipeline mode. Below it, a
 * body's copies into a Bind message cost less than the extra round trips of that connection.
 */
export const COPY_BODY_BYTES = 64 * 1024;

/** True when the batch's bodies need the COPY connection (pg-store.ts writeAll). */
export function needsCopy(bodies: BodyRow[]): boolean {
  return bodies.some((b) => b.size >= COPY_BODY_BYTES);
}

const BODIES_INSERT = 'INSERT INTO bodies (blob, flow_id, data) VALUES';
const BODIES_CONFLICT = 'ON CONFLICT (blob) DO UPDATE SET data = EXCLUDED.data';

/**
 * Writes the batch in one transaction on `client` and returns what was written. Every statement is issued
 * before any answer is awaited: on a pipelined connection (pg-db.ts openWriterPool) they travel together, so
 * the batch costs two round trips (the statements, then the count, notifications and COMMIT that depend on
 * their answers). A failed statement fails the rest of the transaction, which is rolled back; the caller retries.
 */
export async function writeBatch(
  client: pg.ClientBase,
  flows: PendingFlow[],
  bodies: BodyRow[],
  messages: MessageRow[],
  /** The notifications for what was written (pg_notify payloads), sent inside the transaction. */
  notices: (added: FlowSummary[], updated: FlowSummary[]) => string[],
): Promise<BatchResult & { total: number }> {
  const large = bodies.filter((b) => b.size >= COPY_BODY_BYTES);
  // With a large body the batch is on the COPY connection (needsCopy), outside pipeline mode.
  const sent = new Statements(client, large.length > 0);
  try {
    sent.query('BEGIN');
    if (large.length) sent.run(() => copyBodies(client, large));
    const small = large.length ? bodies.filter((b) => b.size < COPY_BODY_BYTES) : bodies;
    for (const statement of insertStatements(BODIES_INSERT, ['', '', ''], BODIES_CONFLICT, small.map((b) => [b.blob, b.flowId, bodyData(b)]))) {
      sent.query(statement.text, statement.values);
    }
    for (const statement of insertStatements('INSERT INTO messages (flow_id, idx, meta, payload) VALUES', ['', '', '::jsonb', ''], 'ON CONFLICT DO NOTHING', messages.map((m) => [m.flowId, m.idx, JSON.stringify(m.meta), m.payload]))) {
      sent.query(statement.text, statement.values);
    }
    const fresh = flows.filter((p) => p.fresh).map((p) => rowOf(p.flow));
    const updates = flows.filter((p) => !p.fresh).map((p) => rowOf(p.flow));
    const inserts = fresh.length
      ? sent.query<{ id: string; inserted: boolean; pinned: boolean; rev: number }>(
          `INSERT INTO flows (${COLUMNS}, rev, added_rev)
           SELECT ${COLUMNS}, r, r FROM (SELECT ${SELECTED}, nextval('flow_revs') AS r FROM ${RECORDS}) AS x
           ON CONFLICT (id) DO UPDATE SET ${UPDATE_SET}
           RETURNING id, (xmax = 0) AS inserted, pinned, rev`,
          [JSON.stringify(fresh)],
        )
      : undefined;
    const changes = updates.length
      ? sent.query<{ id: string; pinned: boolean; rev: number }>(
          `UPDATE flows AS flows SET ${UPDATE_SET.replaceAll('EXCLUDED.', 'u.')}
           FROM (SELECT ${SELECTED} FROM ${RECORDS}) AS u
           WHERE flows.id = u.id RETURNING flows.id, flows.pinned, flows.rev`,
          [JSON.stringify(updates)],
        )
      : undefined;
    await sent.settled();
    const result: BatchResult = { added: [], updated: [], revs: [], inserted: 0 };
    if (inserts) {
      const summaryOf = summariesById(fresh);
      for (const r of (await inserts).rows) {
        result.revs.push([r.id, r.rev]);
        const summary = summaryOf(r.id, r.pinned);
        if (r.inserted) {
          result.inserted++;
          result.added.push(summary);
        } else result.updated.push(summary);
      }
    }
    if (changes) {
      const summaryOf = summariesById(updates);
      for (const r of (await changes).rows) {
        result.revs.push([r.id, r.rev]);
        result.updated.push(summaryOf(r.id, r.pinned));
      }
    }
    const counts = sent.query<{ flows: number }>('UPDATE store_counts SET flows = flows + $1 RETURNING flows', [result.inserted]);
    for (const payload of notices(result.added, result.updated)) sent.query('SELECT pg_notify($1, $2)', [FLOW_CHANNEL, payload]);
    sent.query('COMMIT');
    await sent.settled();
    return { ...result, total: (await counts).rows[0].flows };
  } catch (err) {
    await sent.settled();
    throw err;
  }
}

/**
 * Statements issued on one client; settled() waits for all, failing with the first error. On a pipelined
 * connection they are sent without waiting between them. `sequential` (the COPY connection, outside pipeline
 * mode): each is sent once the one before has settled, as node-postgres wants there — a statement after a
 * failed one is still sent, and fails as the aborted transaction's statements do.
 */
class Statements {
  private issued: Promise<unknown>[] = [];
  private last: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly client: pg.ClientBase,
    private readonly sequential: boolean,
  ) {}

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.run(() => this.client.query<R>({ text, values }));
  }

  /** `issue` sends statements of its own (a COPY) and resolves when they are done. */
  run<T>(issue: () => Promise<T>): Promise<T> {
    const result = this.sequential ? this.last.then(issue, issue) : issue();
    this.last = result;
    // Observed at once: a statement after a failed one fails too, and must not be an unhandled rejection.
    result.catch(() => {});
    this.issued.push(result);
    return result;
  }

  async settled(): Promise<void> {
    const outcomes = await Promise.allSettled(this.issued.splice(0));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * `head VALUES (…), (…) tail` for every row, as statements of at most ROWS_PER_STATEMENT rows and about
 * BYTES_PER_STATEMENT payload bytes. `casts` per column, appended to its placeholder.
 */
function insertStatements(head: string, casts: string[], tail: string, rows: unknown[][]): { text: string; values: unknown[] }[] {
  const statements: { text: string; values: unknown[] }[] = [];
  let start = 0;
  while (start < rows.length) {
    let end = start;
    let bytes = 0;
    while (end < rows.length && end - start < ROWS_PER_STATEMENT && (end === start || bytes < BYTES_PER_STATEMENT)) {
      for (const v of rows[end]) if (Buffer.isBuffer(v)) bytes += v.length;
      end++;
    }
    const tuples: string[] = [];
    const values: unknown[] = [];
    for (let i = start; i < end; i++) tuples.push(`(${casts.map((cast, column) => `$${values.push(rows[i][column])}${cast}`).join(', ')})`);
    statements.push({ text: `${head} ${tuples.join(', ')} ${tail}`, values });
    start = end;
  }
  return statements;
}

// ---- flow rows ----

const COLUMNS = 'id, seq, started_at, node, state, client_ip, ip, method, url, host, path, status, summary, flow, pinned';
/** The record's columns as the table's (ip arrives as text). */
const SELECTED = 'id, seq, started_at, node, state, client_ip, ip::inet AS ip, method, url, host, path, status, summary, flow, pinned';
const RECORDS = `jsonb_to_recordset($1::jsonb) AS rec(id text, seq bigint, started_at bigint, node text, state text, client_ip text,
  ip text, method text, url text, host text, path text, status integer, summary jsonb, flow jsonb, pinned boolean)`;
/** Everything but `pinned`, which only pin() changes (the proxy's later records of a flow do not carry it). */
const UPDATE_SET = `rev = nextval('flow_revs'), seq = EXCLUDED.seq, started_at = EXCLUDED.started_at, node = EXCLUDED.node, state = EXCLUDED.state,
  client_ip = EXCLUDED.client_ip, ip = EXCLUDED.ip, method = EXCLUDED.method, url = EXCLUDED.url, host = EXCLUDED.host,
  path = EXCLUDED.path, status = EXCLUDED.status,
  summary = EXCLUDED.summary || jsonb_build_object('pinned', flows.pinned),
  flow = CASE WHEN flows.pinned THEN EXCLUDED.flow || '{"pinned":true}'::jsonb ELSE EXCLUDED.flow - 'pinned' END`;

/** One flow as a record of the batch's JSON document: the table's columns by name. */
interface FlowRecord {
  id: string;
  seq: number;
  started_at: number;
  node: string;
  state: string;
  client_ip: string;
  ip: string | null;
  method: string;
  url: string;
  host: string;
  path: string;
  status: number | null;
  summary: FlowSummary;
  flow: Flow;
  pinned: boolean;
}

function rowOf(flow: Flow): FlowRecord {
  const s = toSummary(flow);
  return {
    id: s.id,
    seq: s.seq,
    started_at: s.startedAt,
    node: s.node ?? '',
    state: s.state,
    client_ip: s.clientIp,
    ip: normalizeIp(s.clientIp) ?? null,
    method: s.method.toUpperCase(),
    url: s.url,
    host: s.host,
    path: s.path,
    status: s.status ?? null,
    summary: s,
    flow,
    pinned: s.pinned,
  };
}

/** The summaries written, by id, with the pin as stored (only pin() changes it). */
function summariesById(rows: FlowRecord[]): (id: string, pinned: boolean) => FlowSummary {
  const byId = new Map(rows.map((r) => [r.id, r.summary]));
  return (id, pinned) => {
    const s = byId.get(id)!;
    return s.pinned === pinned ? s : { ...s, pinned };
  };
}
