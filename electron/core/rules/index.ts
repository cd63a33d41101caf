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

export interface RulesOptions {
  dataDir: string;
  /** Overrides the stored breakpoint timeout setting (tests use short ones). */
  breakpointTimeoutMs?: number;
  /** Where rules, profiles and settings are kept (default the data folder's rules.db). */
  docs?: RuleDocs;
  /** The loaded .proto files, for gRPC mocks. */
  protos?: ProtoSchemas;
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
  const store = new RuleBook(options.dataDir, options.docs);
  const breakpoints = new Breakpoints({ timeoutMs: options.breakpointTimeoutMs ?? DEFAULT_BREAKPOINT_TIMEOUT_MS });
  const pipeline = new RulePipeline({ rules: () => store.ruleSet(), hit: (rule) => store.hit(rule), breakpoints, protos: options.protos });
  let timeoutMs = options.breakpointTimeoutMs ?? DEFAULT_BREAKPOINT_TIMEOUT_MS;
  const ready = store.ready.then(() => {
    const stored = store.settings().breakpointTimeoutMs;
    if (options.breakpointTimeoutMs === undefined && stored !== undefined) {
      timeoutMs = stored;
      breakpoints.setTimeout(stored);
    }
  });
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
        breakpoints.dispose();
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
