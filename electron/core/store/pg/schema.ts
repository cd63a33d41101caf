/**
 * The PostgreSQL store's schema and its migrations, applied in order at start (pg-store.ts). Each node runs
 * them under one advisory lock, so two nodes starting together do not both migrate; `hindsight_schema` holds
 * the version reached. A migration is appended, never edited: databases in the field already ran the old ones.
 *
 * Flows: the columns the filter language and the list need are real columns with indexes (time, client
 * address, host, path, status, method, pinned, node); the whole summary and the whole flow are JSONB beside
 * them. Bodies and message logs are rows keyed by blob name / flow id; they go with their flow on delete.
 */
import type pg from 'pg';

const MIGRATIONS: string[] = [
  // 1: flows, bodies, message logs, counters, seq blocks.
  `
  CREATE TABLE flows (
    id text PRIMARY KEY,
    seq bigint NOT NULL,
    started_at bigint NOT NULL,
    node text NOT NULL DEFAULT '',
    state text NOT NULL,
    client_ip text NOT NULL,
    ip inet,
    method text NOT NULL,
    url text NOT NULL,
    host text NOT NULL,
    path text NOT NULL,
    status integer,
    pinned boolean NOT NULL DEFAULT false,
    summary jsonb NOT NULL,
    flow jsonb NOT NULL
  );
  CREATE INDEX flows_time ON flows (started_at DESC, seq DESC);
  CREATE INDEX flows_seq ON flows (seq);
  CREATE INDEX flows_ip ON flows (ip, started_at DESC, seq DESC);
  CREATE INDEX flows_host ON flows (host, started_at DESC, seq DESC);
  CREATE INDEX flows_path ON flows (path text_pattern_ops);
  CREATE INDEX flows_status ON flows (status, started_at DESC, seq DESC);
  CREATE INDEX flows_method ON flows (method, started_at DESC, seq DESC);
  CREATE INDEX flows_pinned ON flows (seq) WHERE pinned;
  CREATE INDEX flows_node ON flows (node, started_at DESC, seq DESC);
  CREATE TABLE bodies (
    blob text PRIMARY KEY,
    flow_id text NOT NULL,
    data bytea NOT NULL
  );
  CREATE INDEX bodies_flow ON bodies (flow_id);
  CREATE TABLE messages (
    flow_id text NOT NULL,
    idx integer NOT NULL,
    meta jsonb NOT NULL,
    payload bytea NOT NULL,
    PRIMARY KEY (flow_id, idx)
  );
  -- One row: flows stored and removed by trims (the status bar's counts without count(*) over millions).
  CREATE TABLE store_counts (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    flows bigint NOT NULL DEFAULT 0,
    removed_total bigint NOT NULL DEFAULT 0,
    last_trim jsonb
  );
  INSERT INTO store_counts DEFAULT VALUES;
  -- Seqs are handed out in blocks (pg-seq.ts): unique across every node without a round trip per flow.
  CREATE SEQUENCE flow_seq_blocks;
  `,
  // 2: the rule store's documents (rules, device profiles, settings), shared by every node.
  `
  CREATE TABLE rule_docs (
    id text PRIMARY KEY,
    doc jsonb NOT NULL
  );
  `,
  // 3: breakpoints decided from any node (rules/pg-breakpoints.ts) and rule hits summed over nodes
  // (rules/pg-rule-hits.ts). seen_at/created_at use the database's clock, so node clocks need not agree.
  `
  CREATE TABLE breakpoint_pauses (
    id text PRIMARY KEY,
    instance text NOT NULL,
    node text NOT NULL,
    info jsonb NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX breakpoint_pauses_instance ON breakpoint_pauses (instance);
  CREATE TABLE breakpoint_commands (
    id text PRIMARY KEY,
    instance text NOT NULL,
    origin text NOT NULL,
    pause_id text NOT NULL,
    decision jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX breakpoint_commands_instance ON breakpoint_commands (instance);
  CREATE TABLE rule_hits (
    rule_id text NOT NULL,
    node text NOT NULL,
    hits bigint NOT NULL,
    PRIMARY KEY (rule_id, node)
  );
  `,
  // 4: named users, bind codes and bound devices, shared by every node (users/pg-store.ts, devices/pg-store.ts):
  // a user added on one node signs in on all, a code shown by one node binds through any.
  `
  CREATE TABLE users (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash text NOT NULL,
    created_at bigint NOT NULL,
    devices jsonb NOT NULL DEFAULT '[]'::jsonb
  );
  -- used_by: the key of the device that spent the code (a code binds one device).
  CREATE TABLE bind_codes (
    code text PRIMARY KEY,
    target jsonb NOT NULL,
    expires_at bigint NOT NULL,
    used_by text,
    used_at bigint
  );
  CREATE TABLE bound_devices (
    key text PRIMARY KEY,
    record jsonb NOT NULL
  );
  `,
  // 5: a revision per flow write, from one sequence: a node whose LISTEN connection was lost reads the flows
  // written since the last revision it saw (pg-catch-up.ts). added_rev is the revision of the first write, so
  // the catch-up tells flows added from flows updated. Rows written before this migration keep NULL: older
  // than any revision a node can have seen.
  `
  CREATE SEQUENCE flow_revs;
  ALTER TABLE flows ADD COLUMN rev bigint, ADD COLUMN added_rev bigint;
  CREATE INDEX flows_rev ON flows (rev);
  `,
  // 6: bodies and message payloads compressed with lz4 instead of the default pglz when the server has it
  // (PostgreSQL 14+ built with lz4, as Debian's is): storing 1,000 new 100 KB bodies took 1.7–1.9 s of the
  // server with pglz, 0.08–0.10 s with lz4 (PostgreSQL 15, the 2-vCPU VM). Only new values use it; a server
  // without lz4 keeps pglz.
  `
  DO $$
  BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
      EXECUTE 'ALTER TABLE bodies ALTER COLUMN data SET COMPRESSION lz4';
      EXECUTE 'ALTER TABLE messages ALTER COLUMN payload SET COMPRESSION lz4';
    END IF;
  EXCEPTION WHEN feature_not_supported THEN
    NULL;
  END $$;
  `,
  // 7: removals in the same revision sequence as writes: a node whose LISTEN connection was lost reads the
  // flows removed since its last revision too (pg-catch-up.ts). Rows older than a day are pruned by
  // retention (pg-retention.ts); at_ms uses the database's clock.
  `
  CREATE TABLE flow_removals (
    rev bigint PRIMARY KEY,
    id text NOT NULL,
    at_ms bigint NOT NULL DEFAULT (extract(epoch from clock_timestamp()) * 1000)::bigint
  );
  CREATE INDEX flow_removals_at ON flow_removals (at_ms);
  `,
  // 8: `path:` wildcards are decided in SQL (filter-sql.ts wildcardRegex); their literal prefix finds its rows
  // through this index of the path folded as RE2 folds ASCII letters (ASCII lowered, KELVIN SIGN → k, LONG S
  // → s) and cut to 512 characters. It replaces flows_path, which no query used (ILIKE cannot) and which
  // refused any row whose path and query passed 2,704 bytes (a long query string: the flow was not stored);
  // 512 characters are at most 2,048 bytes. Building it reads every flow once, at the first start.
  `
  DROP INDEX IF EXISTS flows_path;
  CREATE INDEX flows_path_folded ON flows ((left(translate(lower(path COLLATE "C"), '\u212a\u017f', 'ks'), 512)) text_pattern_ops);
  `,
  // 9: the flow and its summary compressed with lz4 too. A flow row past about 2 KB (a browser's request
  // with cookies and client hints) is compressed on every insert, and pglz cost the server 120–143 µs per
  // flow against lz4's 97–110 in a store-only A/B (3,000 such flows, three pairs, the 2-vCPU VM), for a
  // table about a fifth larger (lz4 compresses JSON less). Only new rows use it; a server without lz4 keeps pglz.
  `
  DO $$
  BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
      EXECUTE 'ALTER TABLE flows ALTER COLUMN flow SET COMPRESSION lz4, ALTER COLUMN summary SET COMPRESSION lz4';
    END IF;
  EXCEPTION WHEN feature_not_supported THEN
    NULL;
  END $$;
  `,
];

/** The schema version this build writes; a database at a higher one was written by a newer Hindsight. */
export const SCHEMA_VERSION = MIGRATIONS.length;
/** Any constant: the advisory lock nodes take while migrating. */
const MIGRATE_LOCK = 0x48534d31;

export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS hindsight_schema (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM hindsight_schema');
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO hindsight_schema (version) VALUES (0)');
    if (version > SCHEMA_VERSION) throw new Error(`the database's schema is version ${version}, newer than this hindsight's ${SCHEMA_VERSION}; upgrade hindsight`);
    while (version < SCHEMA_VERSION) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version]);
        version++;
        await client.query('UPDATE hindsight_schema SET version = $1', [version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]);
  }
}
