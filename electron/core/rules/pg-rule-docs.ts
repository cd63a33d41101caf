/**
 * The rule book's documents in PostgreSQL (issue 21): rules, device profiles and settings saved on one node
 * apply on every node. Each change NOTIFYs `hindsight_rules` with this instance's id; every other node
 * LISTENs and reloads the documents (a few hundred at most) within a round trip. Hit counters are not
 * documents: they are summed over the nodes in their own table (pg-rule-hits.ts).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Emitter } from '../../common/events';
import { changeAndNotify } from '../store/pg/pg-db';
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
    this.listener = new ChannelListener(
      url,
      CHANNEL,
      (payload) => {
        if (payload !== this.origin) this._onRemoteChange.fire();
      },
      warn,
      // Changes made while the connection was down were not announced to us: reload once it is back.
      { onReconnected: () => this._onRemoteChange.fire() },
    );
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
    await changeAndNotify(this.pool, sql, params, { channel: CHANNEL, payload: this.origin, always: true });
  }

  async close(): Promise<void> {
    await this.listener.stop();
    this._onRemoteChange.dispose();
  }
}
