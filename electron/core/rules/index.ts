/**
 * The rules engine as one service of the core: the rule book (saved rules, profiles, settings), the breakpoint queue and the
 * pipeline the proxy calls. createCore() makes one per data dir; the API and `--rules FILE` use it.
 */
import type { Disposable } from '../../common/events';
import { Breakpoints, DEFAULT_BREAKPOINT_TIMEOUT_MS } from './breakpoints';
import { RulePipeline } from './pipeline';
import { RuleBook } from './rule-book';

import type { RuleDocs } from './rule-docs';
import type { ProtoSchemas } from '../grpc/schema';
import type { SharedHitCounts } from './shared-hits';

/** The other nodes' side of the breakpoint queue (pg-breakpoints.ts), started with the rules and closed after the queue. */
export interface BreakpointPeersService {
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RulesOptions {
  dataDir: string;
  /** Overrides the stored breakpoint timeout setting (tests use short ones). */
  breakpointTimeoutMs?: number;
  /** Where rules, profiles and settings are kept (default the data folder's rules.db). */
  docs?: RuleDocs;
  /** The loaded .proto files, for gRPC mocks. */
  protos?: ProtoSchemas;
  /** This node's name on a team store, shown on its pauses. */
  node?: string;
  /** Rule hit counters summed over a team's nodes (pg-rule-hits.ts). */
  sharedHits?: SharedHitCounts;
  /** Lists and decides other nodes' pauses (pg-breakpoints.ts). */
  breakpointPeers?: (breakpoints: Breakpoints) => BreakpointPeersService;
}

export interface RulesService extends Disposable {
  readonly ready: Promise<void>;
  readonly store: RuleBook;
  readonly breakpoints: Breakpoints;
  readonly pipeline: RulePipeline;
  /** How long a pause waits before continuing unchanged; persisted. */
  setBreakpointTimeout(ms: number): Promise<number>;
  breakpointTimeout(): number;
  close(): Promise<void>;
}

export function createRules(options: RulesOptions): RulesService {
  const store = new RuleBook(options.dataDir, options.docs, options.sharedHits);
  const breakpoints = new Breakpoints({ timeoutMs: options.breakpointTimeoutMs ?? DEFAULT_BREAKPOINT_TIMEOUT_MS, node: options.node });
  const peers = options.breakpointPeers?.(breakpoints);
  const pipeline = new RulePipeline({ rules: () => store.ruleSet(), hit: (rule) => store.hit(rule), breakpoints, protos: options.protos });
  let timeoutMs = options.breakpointTimeoutMs ?? DEFAULT_BREAKPOINT_TIMEOUT_MS;
  const applyStoredTimeout = () => {
    const stored = store.settings().breakpointTimeoutMs;
    if (options.breakpointTimeoutMs === undefined && stored !== undefined && stored !== timeoutMs) {
      timeoutMs = stored;
      breakpoints.setTimeout(stored);
    }
  };
  const settingsRead = store.ready.then(applyStoredTimeout);
  // On a team store another node may change the setting: its documents reload here and fire a change.
  const settingsFollowed = store.onDidChange(applyStoredTimeout);
  const ready = peers ? Promise.all([settingsRead, peers.start()]).then(() => {}) : settingsRead;
  let closing: Promise<void> | undefined;
  const service: RulesService = {
    ready,
    store,
    breakpoints,
    pipeline,
    breakpointTimeout: () => timeoutMs,
    async setBreakpointTimeout(ms) {
      await store.setSettings({ breakpointTimeoutMs: ms });
      timeoutMs = ms;
      breakpoints.setTimeout(ms);
      return ms;
    },
    close() {
      // Paused exchanges continue unchanged, so no client is left hanging by a shutdown.
      closing ??= (async () => {
        settingsFollowed.dispose();
        breakpoints.dispose();
        // After the queue: its pauses have ended, so their rows are withdrawn before the peers stop.
        await peers?.close();
        pipeline.dispose();
        await store.close();
      })();
      return closing;
    },
    dispose() {
      void service.close();
    },
  };
  return service;
}
