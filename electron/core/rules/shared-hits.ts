/**
 * Rule hit counters shared by the nodes of a team (rules/pg-rule-hits.ts on PostgreSQL). Each node counts
 * its own hits and adds them to the shared total about once a second; what the UI, the API and a rule's
 * `times` see is the sum over every node (RuleBook, rule-book.ts).
 */
import type { Event } from '../../common/events';

export interface SharedHitCounts {
  /** Adds this node's hits since the last call (rule id → count); resolves with every node's totals. */
  add(deltas: ReadonlyMap<string, number>): Promise<Map<string, number>>;
  /** Every node's totals (rule id → hits). */
  totals(): Promise<Map<string, number>>;
  /** Starts these rules' counts over on every node (a rule saved again, or deleted). */
  reset(ids: string[]): Promise<void>;
  /** Another node added hits. */
  readonly onDidChange: Event<void>;
  close(): Promise<void>;
}
