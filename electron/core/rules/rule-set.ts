/**
 * The in-memory, compiled snapshot of the rules the proxy runs: enabled rules in priority order with
 * their matchers compiled once (RegExp objects, parsed CIDRs), rebuilt by the rule store on every change,
 * so the hot path never touches the disk or compiles anything. One pass over the rules finds, per
 * pipeline step, the first rule that applies to a request.
 */
import type { Headers } from '../../common/flow';
import type { DeviceProfile, Rule } from '../../common/rule';
import { compileRule, type CompiledRule } from '../../common/rule-match';

export interface MatchInput {
  clientIp: string;
  method: string;
  /** Absolute URL as the client sent it. */
  url: string;
  headers: Headers;
}

/** Per pipeline step, the first applicable rule in priority order. */
export interface MatchedRules {
  'map-remote'?: Rule;
  'mock-request'?: Rule;
  mock?: Rule;
  requestBreakpoint?: Rule;
  responseBreakpoint?: Rule;
}

/**
 * URLs are cut to this length before patterns run on them: with the save-time check of regexes
 * (user-regex.ts) this bounds the work one request can cost, whatever the client sends.
 */
export const MAX_MATCHED_URL = 8 * 1024;

interface Entry {
  rule: Rule;
  compiled: CompiledRule;
  slot: 'map-remote' | 'mock-request' | 'mock' | 'breakpoint';
}

export class RuleSet {
  private readonly entries: Entry[];

  /**
   * @param rules in priority order (the store's order); disabled ones are left out here.
   * @param hits how often each rule applied; a rule whose `times` is used up is skipped.
   */
  constructor(
    rules: readonly Rule[],
    private readonly profiles: readonly DeviceProfile[],
    private readonly hits: ReadonlyMap<string, number>,
  ) {
    this.entries = rules.filter((r) => r.enabled).map((rule) => ({ rule, compiled: compileRule(rule), slot: rule.action.type }));
  }

  static readonly empty = new RuleSet([], [], new Map());

  get size(): number {
    return this.entries.length;
  }

  /** Undefined when no rule applies (the common case, kept allocation-free). */
  match(input: MatchInput): MatchedRules | undefined {
    const req = input.url.length > MAX_MATCHED_URL ? { ...input, url: input.url.slice(0, MAX_MATCHED_URL) } : input;
    let found: MatchedRules | undefined;
    for (const { rule, compiled, slot } of this.entries) {
      if (found && filled(found, rule, slot)) continue;
      if (rule.times !== undefined && (this.hits.get(rule.id) ?? 0) >= rule.times) continue;
      if (!compiled.admitsClient(req.clientIp, this.profiles) || !compiled.matchesRequest(req)) continue;
      found ??= {};
      if (slot === 'breakpoint') {
        const on = (rule.action as Extract<Rule['action'], { type: 'breakpoint' }>).on;
        if (on !== 'response' && !found.requestBreakpoint) found.requestBreakpoint = rule;
        if (on !== 'request' && !found.responseBreakpoint) found.responseBreakpoint = rule;
      } else {
        found[slot] ??= rule;
      }
    }
    return found;
  }
}

function filled(found: MatchedRules, rule: Rule, slot: Entry['slot']): boolean {
  if (slot !== 'breakpoint') return found[slot] !== undefined;
  const on = (rule.action as Extract<Rule['action'], { type: 'breakpoint' }>).on;
  const request = on === 'response' || found.requestBreakpoint !== undefined;
  const response = on === 'request' || found.responseBreakpoint !== undefined;
  return request && response;
}
