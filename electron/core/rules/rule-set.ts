/**
 * The in-memory, compiled snapshot of the rules the proxy runs: enabled rules in priority order with
 * their matchers compiled once (RegExp objects, parsed CIDRs), rebuilt by the rule book on every change,
 * so the hot path never touches the disk or compiles anything. One pass over the rules finds, per
 * pipeline step, the first rule that applies to a request.
 */
import { splitUrl, type Headers } from '../../common/flow';
import type { DeviceProfile, Rule } from '../../common/rule';
import { compileRule, type CompiledRule } from '../../common/rule-match';
import { isConnectionKind, type ConnectionKind } from '../../common/connection-rule';

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
  'map-local'?: Rule;
  rewrite?: Rule;
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
  slot: Exclude<Rule['action']['type'], 'conditions' | 'ws-message' | ConnectionKind>;
  /** Position in priority order. */
  order: number;
  /** A host the request must have for the rule to match (from a literal host or URL matcher). */
  host?: string;
  /** A suffix the request's host must have (`*.example.com` → `.example.com`). */
  hostSuffix?: string;
}

/**
 * The host a rule can only match, when its matchers pin one: a literal host matcher, or a URL wildcard
 * whose literal start holds the whole authority (`https://api.example.com/v1/*`). Rules with one are
 * indexed by it, so a request only runs the rules that could match its host: most real rule sets name
 * a host, and 1,000 rules for other hosts then cost one Map lookup.
 */
function hostOf(rule: Rule): Pick<Entry, 'host' | 'hostSuffix'> {
  for (const m of rule.matchers) {
    if (m.type === 'host') {
      const host = m.host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
      if (!/[*?]/.test(host)) return { host };
      if (/^\*\.[^*?]+$/.test(host)) return { hostSuffix: host.slice(1) };
    }
    if (m.type === 'url' && m.syntax === 'wildcard') {
      const literal = m.pattern.split(/[*?]/, 1)[0];
      const at = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)[/?#]/i.exec(literal);
      if (at) return { host: at[1].replace(/:\d*$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase() };
    }
  }
  return {};
}

export class RuleSet {
  /** Rules pinned to one host, by host, each list in priority order. */
  private readonly byHost = new Map<string, Entry[]>();
  /** The other rules, in priority order. */
  private readonly anyHost: Entry[] = [];
  /**
   * Network-condition rules, in priority order. Kept apart: they are matched before the pipeline by
   * electron/core/conditions (matchConditions), and do not count in `size`, so the pipeline's fast path
   * stays one size check when only conditions are set.
   */
  private readonly conditionRules: { rule: Rule; compiled: CompiledRule }[] = [];
  /**
   * WebSocket message rules, in priority order. Kept apart like conditions: they apply to the messages of an
   * upgraded socket (electron/core/rules/ws-message.ts), never to an exchange, and every match applies.
   */
  private readonly messageRules: { rule: Rule; compiled: CompiledRule }[] = [];
  /**
   * Connection rules (passthrough, do-not-record, upstream-proxy), in priority order. Kept apart like
   * conditions: the proxy asks for them when a tunnel opens, a flow starts or a connection is made.
   */
  private readonly connectionRules: { rule: Rule; compiled: CompiledRule }[] = [];
  /** Enabled rules the pipeline runs (every action but conditions and ws-message). */
  readonly size: number;

  /**
   * @param rules in priority order (the store's order); disabled ones are left out here.
   * @param hits how often each rule applied; a rule whose `times` is used up is skipped.
   */
  constructor(
    rules: readonly Rule[],
    private readonly profiles: readonly DeviceProfile[],
    private readonly hits: ReadonlyMap<string, number>,
  ) {
    const enabled = rules.filter((r) => r.enabled && r.action.type !== 'conditions' && r.action.type !== 'ws-message' && !isConnectionKind(r.action.type));
    for (const rule of rules) if (rule.enabled && isConnectionKind(rule.action.type)) this.connectionRules.push({ rule, compiled: compileRule(rule) });
    for (const rule of rules) if (rule.enabled && rule.action.type === 'ws-message') this.messageRules.push({ rule, compiled: compileRule(rule) });
    for (const rule of rules) if (rule.enabled && rule.action.type === 'conditions') this.conditionRules.push({ rule, compiled: compileRule(rule) });
    enabled.forEach((rule, order) => {
      const entry: Entry = { rule, compiled: compileRule(rule), slot: rule.action.type as Entry['slot'], order, ...hostOf(rule) };
      if (entry.host === undefined) this.anyHost.push(entry);
      else {
        const list = this.byHost.get(entry.host);
        if (list) list.push(entry);
        else this.byHost.set(entry.host, [entry]);
      }
    });
    this.size = enabled.length;
  }

  static readonly empty = new RuleSet([], [], new Map());

  /** The profiles the rules were compiled with (the conditions service reads their `conditions`). */
  get deviceProfiles(): readonly DeviceProfile[] {
    return this.profiles;
  }

  /** How many enabled network-condition rules there are. */
  get conditionRuleCount(): number {
    return this.conditionRules.length;
  }

  /** The first network-condition rule, in priority order, that applies to the request; undefined when none. */
  matchConditions(input: MatchInput): Rule | undefined {
    if (this.conditionRules.length === 0) return undefined;
    const req = input.url.length > MAX_MATCHED_URL ? { ...input, url: input.url.slice(0, MAX_MATCHED_URL) } : input;
    for (const { rule, compiled } of this.conditionRules) {
      if (rule.times !== undefined && (this.hits.get(rule.id) ?? 0) >= rule.times) continue;
      if (compiled.admitsClient(req.clientIp, this.profiles) && compiled.matchesRequest(req)) return rule;
    }
    return undefined;
  }

  /** How many enabled connection rules there are (the proxy skips asking when none). */
  get connectionRuleCount(): number {
    return this.connectionRules.length;
  }

  /** The first enabled connection rule of this kind, in priority order, that applies; undefined when none. */
  matchConnection(kind: ConnectionKind, input: MatchInput): Rule | undefined {
    if (this.connectionRules.length === 0) return undefined;
    const req = input.url.length > MAX_MATCHED_URL ? { ...input, url: input.url.slice(0, MAX_MATCHED_URL) } : input;
    for (const { rule, compiled } of this.connectionRules) {
      if (rule.action.type !== kind) continue;
      if (rule.times !== undefined && (this.hits.get(rule.id) ?? 0) >= rule.times) continue;
      if (compiled.admitsClient(req.clientIp, this.profiles) && compiled.matchesRequest(req)) return rule;
    }
    return undefined;
  }

  /** Every enabled ws-message rule, in priority order, whose matchers and scope admit this WebSocket handshake. */
  matchMessageRules(input: MatchInput): Rule[] {
    if (this.messageRules.length === 0) return [];
    const req = input.url.length > MAX_MATCHED_URL ? { ...input, url: input.url.slice(0, MAX_MATCHED_URL) } : input;
    return this.messageRules.filter(({ rule, compiled }) => compiled.admitsClient(req.clientIp, this.profiles) && compiled.matchesRequest(req)).map(({ rule }) => rule);
  }

  /** Undefined when no rule applies (the common case, kept allocation-free). */
  match(input: MatchInput): MatchedRules | undefined {
    if (this.size === 0) return undefined;
    const req = input.url.length > MAX_MATCHED_URL ? { ...input, url: input.url.slice(0, MAX_MATCHED_URL) } : input;
    const host = splitUrl(req.url).host;
    const pinned = this.byHost.get(host);
    const any = this.anyHost;
    let found: MatchedRules | undefined;
    // Both lists are in priority order: walk them merged, so the first match per step is the first in order.
    for (let i = 0, j = 0; i < (pinned?.length ?? 0) || j < any.length; ) {
      const entry = j >= any.length || (pinned && i < pinned.length && pinned[i].order < any[j].order) ? pinned![i++] : any[j++];
      const { rule, compiled, slot } = entry;
      if (entry.hostSuffix !== undefined && !host.endsWith(entry.hostSuffix)) continue;
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
