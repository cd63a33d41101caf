/**
 * The rule book's documents in PostgreSQL (issue 21): rules, device profiles and settings saved on one node
 * apply on every node. Each change NOTIFYs `hindsight_rules` with this instance's id; every other node
 * LISTENs and reloads the documents (a few hundred at most) within a round trip. Hit counters are not
 * documents: they are summed over the nodes in their own table (pg-rule-hits.ts).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Emitter } from '../../common/events';
import { ChannelListener } from '../store/pg/pg-listen';
import type { Doc, RuleDocs } from './rule-docs';

const CHANNEL = 'hindsight_rules';

export class PgRuleDocs implements RuleDocs {
  private readonly origin = randomUUID();
  private readonly _onRemoteChange = new Emitter<void>();
  readonly onRemoteChange = this._onRemoteChange.event;
  private readonly listener: ChannelListener;
  private listening: Promise<void> | undefined;

  /** `pool` is the flow store's (the schema is migrated there); `url` for the listening connection. */
  constructor(
    private readonly pool: pg.Pool,
    url: string,
    warn: (message: string) => void,
  ) {
    this.listener = new ChannelListener(url, CHANNEL, (payload) => {
      if (payload !== this.origin) this._onRemoteChange.fire();
    }, warn);
  }

  async load(): Promise<{ docs: Doc[]; warnings: string[] }> {
    this.listening ??= this.listener.start();
    await this.listening;
    const { rows } = await this.pool.query<{ doc: Doc }>('SELECT doc FROM rule_docs');
    return { docs: rows.map((r) => r.doc), warnings: [] };
  }

  async put(doc: Doc): Promise<void> {
    await this.changed('INSERT INTO rule_docs (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc', [doc._id, JSON.stringify(doc)]);
  }

  async remove(ids: string[]): Promise<void> {
    await this.changed('DELETE FROM rule_docs WHERE id = ANY($1)', [ids]);
  }

  /** Runs the change and announces it in one transaction, so a node notified reads it. */
  private async changed(sql: string, params: unknown[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(sql, params);
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL, this.origin]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.listener.stop();
    this._onRemoteChange.dispose();
  }
}
