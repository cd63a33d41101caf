/**
 * Breakpoints across the nodes of a team (issue 21): a pause stays on the node that holds the connection,
 * and is listed and decided from every node's UI.
 *
 * - Publishing: each pause here is a row of `breakpoint_pauses` (its BreakpointInfo as JSONB, the node and
 *   this instance) written when it starts and deleted when it ends, each followed by a NOTIFY on
 *   `hindsight_breakpoints` carrying the id only (an info with bodies can pass PostgreSQL's 8,000-byte
 *   payload limit); the other nodes read the row and announce it like a pause of their own.
 * - Deciding: a resume, abort or answer given on node B for a pause on node A is a row of
 *   `breakpoint_commands` addressed to A's instance, plus a NOTIFY. A takes its commands, applies each
 *   exactly as a local decision (Breakpoints.apply) and NOTIFYs the outcome back, so B's API call returns
 *   A's refusal or success; B gives up after COMMAND_TIMEOUT_MS (A is down or unreachable).
 * - Liveness: a node refreshes `seen_at` (the database's clock) on its rows every TICK_MS; rows not refreshed
 *   for STALE_AFTER_S are a dead node's and are deleted by whichever node sees them. Every tick also re-reads
 *   which pauses exist, so a notification lost while the listening connection was down is caught up.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ApiError } from '../../common/api';
import type { BreakpointInfo, BreakpointResumed } from '../../common/breakpoint';
import type { Disposable } from '../../common/events';
import { ChannelListener } from '../store/pg/pg-listen';
import type { BreakpointDecision, BreakpointPeers, Breakpoints } from './breakpoints';

const CHANNEL = 'hindsight_breakpoints';
const TICK_MS = 2_000;
/** A node's rows not refreshed for this long are a dead node's (ten missed ticks: generous for a loaded machine). */
const STALE_AFTER_S = 20;
/** How long a decision sent to another node waits for its outcome. */
const COMMAND_TIMEOUT_MS = 10_000;
/** Commands nobody took (their node died) are removed after this long. */
const COMMAND_EXPIRY_S = 60;

type Notice =
  | { k: 'pause'; o: string; id: string }
  | { k: 'gone'; o: string; id: string; how: BreakpointResumed['how'] }
  | { k: 'cmd'; to: string }
  | { k: 'done'; to: string; c: string; e?: string; code?: string };

interface Waiting {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  id: string;
  how: BreakpointResumed['how'];
}

const HOW: Record<BreakpointDecision['type'], BreakpointResumed['how']> = { resume: 'resumed', abort: 'aborted', answer: 'answered' };

export class PgBreakpointPeers implements BreakpointPeers {
  /** This process; commands and notices are addressed to it (node names need not be unique). */
  private readonly instance = randomUUID();
  private readonly listener: ChannelListener;
  /** Other nodes' pauses, as last read. */
  private readonly remote = new Map<string, BreakpointInfo>();
  /** Our pauses that have a row. */
  private readonly published = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  /** Other nodes' pauses whose row was missing at the last tick (see tick). */
  private readonly vanished = new Set<string>();
  /** Writes of our rows, in the order the pauses started and ended. */
  private writes: Promise<void> = Promise.resolve();
  /** Notices and ticks one at a time, so a pause read is never announced after the notice of its end. */
  private reads: Promise<void> = Promise.resolve();
  private readonly subscriptions: Disposable[];
  private tickTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    url: string,
    private readonly breakpoints: Breakpoints,
    private readonly node: string,
    private readonly warn: (message: string) => void,
  ) {
    this.listener = new ChannelListener(url, CHANNEL, (payload) => this.onPayload(payload), warn);
    this.subscriptions = [
      breakpoints.onDidPause((info) => {
        if (breakpoints.holds(info.id)) this.publish(info);
      }),
      breakpoints.onDidResume((resumed) => {
        if (this.published.delete(resumed.id)) this.withdraw(resumed);
      }),
    ];
    breakpoints.attachPeers(this);
  }

  /** Never rejects: a failure is a warning, and the ticks catch up once the database answers. */
  async start(): Promise<void> {
    try {
      await this.listener.start();
    } catch (err) {
      this.warn(`Paused exchanges of other nodes show only every ${TICK_MS / 1000} s: listening for them failed (${(err as Error).message})`);
    }
    await this.serially(() => this.tick());
    this.schedule();
  }

  // ---- BreakpointPeers ----

  list(): BreakpointInfo[] {
    return [...this.remote.values()];
  }

  get(id: string): BreakpointInfo | undefined {
    return this.remote.get(id);
  }

  async decide(id: string, decision: BreakpointDecision): Promise<void> {
    const { rows } = await this.pool.query<{ instance: string }>('SELECT instance FROM breakpoint_pauses WHERE id = $1', [id]);
    const holder = rows[0]?.instance;
    if (!holder) throw new ApiError(`no paused exchange with id ${JSON.stringify(id)} (it may have continued or timed out)`, 'not-found');
    const command = randomUUID();
    const name = this.remote.get(id)?.node;
    const node = name ? `node ${name}` : 'the node holding it';
    const outcome = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(command);
        this.pool.query('DELETE FROM breakpoint_commands WHERE id = $1', [command]).catch(() => {});
        reject(new ApiError(`${node} did not answer within ${COMMAND_TIMEOUT_MS / 1000} s (it may be down); the exchange continues there at its deadline`, 'unavailable'));
      }, COMMAND_TIMEOUT_MS);
      this.waiting.set(command, { resolve, reject, timer, id, how: HOW[decision.type] });
    });
    try {
      // One statement: the row is committed when the NOTIFY is delivered.
      await this.pool.query(
        `WITH c AS (INSERT INTO breakpoint_commands (id, instance, origin, pause_id, decision) VALUES ($1, $2, $3, $4, $5) RETURNING id)
         SELECT pg_notify($6, $7) FROM c`,
        [command, holder, this.instance, id, JSON.stringify(decision), CHANNEL, JSON.stringify({ k: 'cmd', to: holder } satisfies Notice)],
      );
    } catch (err) {
      const waiting = this.waiting.get(command);
      if (waiting) clearTimeout(waiting.timer);
      this.waiting.delete(command);
      throw err;
    }
    await outcome;
  }

  // ---- our pauses ----

  private publish(info: BreakpointInfo): void {
    this.published.add(info.id);
    this.write(async () => {
      await this.pool.query(
        `WITH p AS (INSERT INTO breakpoint_pauses (id, instance, node, info) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, node = EXCLUDED.node, info = EXCLUDED.info, seen_at = now()
                    RETURNING id)
         SELECT pg_notify($5, $6) FROM p`,
        [info.id, this.instance, this.node, JSON.stringify(info), CHANNEL, JSON.stringify({ k: 'pause', o: this.instance, id: info.id } satisfies Notice)],
      );
    }, 'A paused exchange could not be shown to the other nodes');
  }

  private withdraw(resumed: BreakpointResumed): void {
    this.write(async () => {
      await this.pool.query(
        `WITH p AS (DELETE FROM breakpoint_pauses WHERE id = $1 AND instance = $2 RETURNING id) SELECT pg_notify($3, $4) FROM p`,
        [resumed.id, this.instance, CHANNEL, JSON.stringify({ k: 'gone', o: this.instance, id: resumed.id, how: resumed.how } satisfies Notice)],
      );
    }, 'The other nodes could not be told that a pause ended (it disappears there within a minute)');
  }

  private write(work: () => Promise<void>, failure: string): Promise<void> {
    this.writes = this.writes.then(work).catch((err: Error) => this.warn(`${failure}: ${err.message}`));
    return this.writes;
  }

  /** Applies the decisions other nodes sent us, and tells each sender the outcome. */
  private async takeCommands(): Promise<void> {
    const { rows } = await this.pool.query<{ id: string; origin: string; pause_id: string; decision: BreakpointDecision }>(
      'DELETE FROM breakpoint_commands WHERE instance = $1 RETURNING id, origin, pause_id, decision',
      [this.instance],
    );
    for (const row of rows) {
      let outcome: Notice = { k: 'done', to: row.origin, c: row.id };
      try {
        this.breakpoints.apply(row.pause_id, row.decision);
      } catch (err) {
        outcome = { ...outcome, e: (err as Error).message, code: err instanceof ApiError ? err.code : undefined };
      }
      // After the row's removal (queued by the resume), so the sender's list is current when its call returns.
      await this.write(async () => {
        await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(outcome)]);
      }, 'The outcome of a decision sent by another node could not be returned');
    }
  }

  // ---- other nodes' notices ----

  private onPayload(payload: string): void {
    const notice = parseNotice(payload);
    if (!notice) return;
    if (notice.k === 'done') return this.settled(notice);
    void this.serially(async () => {
      if (notice.k === 'cmd') {
        if (notice.to === this.instance) await this.takeCommands();
      } else if (notice.o !== this.instance) {
        if (notice.k === 'pause') await this.readPauses([notice.id]);
        else this.forget(notice.id, notice.how);
      }
    });
  }

  /** The node holding a pause answered a decision sent from here. */
  private settled(notice: Extract<Notice, { k: 'done' }>): void {
    const waiting = notice.to === this.instance ? this.waiting.get(notice.c) : undefined;
    if (!waiting) return;
    this.waiting.delete(notice.c);
    clearTimeout(waiting.timer);
    if (notice.e !== undefined) return waiting.reject(new ApiError(notice.e, notice.code ?? 'internal'));
    // Gone from here at once, whichever notice comes first.
    this.forget(waiting.id, waiting.how);
    waiting.resolve();
  }

  private async readPauses(ids: string[]): Promise<void> {
    const { rows } = await this.pool.query<{ info: BreakpointInfo; node: string }>(
      `SELECT info, node FROM breakpoint_pauses WHERE id = ANY($1) AND instance <> $2 AND seen_at > now() - make_interval(secs => $3)`,
      [ids, this.instance, STALE_AFTER_S],
    );
    for (const { info, node } of rows) {
      if (this.remote.has(info.id) || this.breakpoints.holds(info.id)) continue;
      const shown: BreakpointInfo = node ? { ...info, node } : info;
      this.remote.set(info.id, shown);
      this.breakpoints.peerDidPause(shown);
    }
  }

  private forget(id: string, how: BreakpointResumed['how']): void {
    const info = this.remote.get(id);
    if (!info) return;
    this.remote.delete(id);
    this.vanished.delete(id);
    this.breakpoints.peerDidResume({ id, flowId: info.flowId, phase: info.phase, how });
  }

  // ---- liveness ----

  private schedule(): void {
    if (this.closed) return;
    this.tickTimer = setTimeout(() => {
      void this.serially(() => this.tick()).finally(() => this.schedule());
    }, TICK_MS);
  }

  /** Refreshes our rows, removes dead nodes' ones, catches up on missed notices and commands. */
  private async tick(): Promise<void> {
    if (this.published.size) {
      const { rows } = await this.pool.query<{ id: string }>('UPDATE breakpoint_pauses SET seen_at = now() WHERE instance = $1 RETURNING id', [this.instance]);
      // Rows another node took for a dead node's (this one was stalled past STALE_AFTER_S) are written again.
      const present = new Set(rows.map((r) => r.id));
      for (const info of this.breakpoints.list()) if (this.published.has(info.id) && !present.has(info.id)) this.publish(info);
    }
    await this.pool.query('DELETE FROM breakpoint_pauses WHERE seen_at < now() - make_interval(secs => $1)', [STALE_AFTER_S]);
    await this.pool.query('DELETE FROM breakpoint_commands WHERE created_at < now() - make_interval(secs => $1)', [COMMAND_EXPIRY_S]);
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM breakpoint_pauses WHERE instance <> $1', [this.instance]);
    const live = new Set(rows.map((r) => r.id));
    for (const id of [...this.remote.keys()]) {
      if (live.has(id)) this.vanished.delete(id);
      // A row gone from the table is said 'released' only when it is still unexplained a tick later: its holder
      // deletes it and sends the 'gone' notice (how it ended) in one statement, but a notice delivered while this
      // tick runs waits behind it (`serially`), so a pause resumed from here used to be announced as released.
      else if (this.vanished.delete(id)) this.forget(id, 'released');
      else this.vanished.add(id);
    }
    const unknown = [...live].filter((id) => !this.remote.has(id));
    if (unknown.length) await this.readPauses(unknown);
    await this.takeCommands();
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.reads = this.reads.then(async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (err) {
        this.warn(`Other nodes' paused exchanges could not be read: ${(err as Error).message}`);
      }
    });
    return this.reads;
  }

  /** After the local queue was disposed (its pauses ended, their rows withdrawn). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    for (const s of this.subscriptions) s.dispose();
    for (const [command, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new ApiError('this node is shutting down', 'closed'));
      this.waiting.delete(command);
    }
    await this.writes;
    await this.pool.query('DELETE FROM breakpoint_pauses WHERE instance = $1', [this.instance]).catch(() => {});
    await this.reads;
    await this.listener.stop();
  }
}

/** A notice on our channel; undefined for anything else someone NOTIFYs there. */
function parseNotice(payload: string): Notice | undefined {
  try {
    const notice = JSON.parse(payload) as Notice;
    return notice && typeof notice === 'object' && typeof notice.k === 'string' ? notice : undefined;
  } catch {
    return undefined;
  }
}
