/**
 * The rules service's parts on a team's PostgreSQL store (issue 21), beside the flows in the same database:
 * rules, profiles and settings saved on one node apply on all (pg-rule-docs.ts); hit counters are summed
 * over the nodes (pg-rule-hits.ts); any node lists and decides every node's paused exchanges (pg-breakpoints.ts).
 */
import type { PgFlowStore } from '../store/pg/pg-store';
import type { RulesOptions } from './index';
import { PgBreakpointPeers } from './pg-breakpoints';
import { PgRuleDocs } from './pg-rule-docs';
import { PgRuleHits } from './pg-rule-hits';

export type TeamRulesOptions = Required<Pick<RulesOptions, 'docs' | 'node' | 'sharedHits' | 'breakpointPeers'>>;

export function teamRulesOptions(store: PgFlowStore, url: string): TeamRulesOptions {
  const warn = (message: string) => store.warn(message);
  return {
    docs: new PgRuleDocs(store.pool, url, warn),
    node: store.node,
    sharedHits: new PgRuleHits(store.pool, url, store.node, warn),
    breakpointPeers: (breakpoints) => new PgBreakpointPeers(store.pool, url, breakpoints, store.node, warn),
  };
}
