/**
 * Network conditions as a service of the core: for each request it finds the conditions that apply (the
 * first enabled `conditions` rule in priority order that matches, else the conditions of a device profile
 * holding the client's address), draws that request's latency and failure, and hands out the device's
 * bandwidth budgets. A budget belongs to one client address under one rule or profile, so a device's
 * connections share it and other devices never touch it.
 *
 * A global switch turns every condition off without editing them (the status bar's), persisted with the
 * rules' settings.
 */
import { performance } from 'node:perf_hooks';
import type { NetworkConditions } from '../../common/conditions';
import { ipInAnyRange, parseIpRange, type IpRange } from '../../common/cidr';
import type { AppliedRule } from '../../common/flow';
import type { DeviceProfile, Rule } from '../../common/rule';
import type { MatchInput, RuleSet } from '../rules/rule-set';
import { Budget, kbpsToBytes } from './budget';

/** What one exchange gets: drawn once when the request arrives. */
export interface Shaping {
  conditions: NetworkConditions;
  /** For the flow's appliedRules: the rule, or the profile (kind 'conditions'). */
  applied: AppliedRule;
  /** Wait this long before the request goes on (latency ± jitter, plus connection setup on a new connection). */
  delayMs: number;
  /** This request fails: its connection is cut, at once or after a stall. */
  failure?: 'reset' | 'stall';
  /** Response bytes to the client; absent = unlimited. */
  download?: Budget;
  /** Request bytes to the server; absent = unlimited. */
  upload?: Budget;
}

export interface ConditionsOptions {
  rules: () => RuleSet;
  /** Counts an application of a rule (its `times`); false when used up. */
  hit: (rule: Rule) => boolean;
  /** Uniform in [0, 1); tests may fix it. */
  random?: () => number;
}

export interface ConditionsSummary {
  /** False when the global switch is off (conditions are kept but not applied). */
  enabled: boolean;
  /** Enabled `conditions` rules. */
  rules: number;
  /** Device profiles with conditions. */
  profiles: number;
}

/** Budgets idle this long are dropped (checked when many exist). */
const IDLE_MS = 60_000;
const SWEEP_AT = 256;

export class ConditionsService {
  enabled = true;
  private readonly budgets = new Map<string, Budget>();
  /** Client connections that already had a request shaped (the first one pays the connection setup). */
  private readonly seen = new WeakSet<object>();
  private readonly profileRanges = new WeakMap<DeviceProfile, IpRange[]>();
  private readonly random: () => number;
  private readonly activeBySet = new WeakMap<RuleSet, boolean>();

  constructor(private readonly options: ConditionsOptions) {
    this.random = options.random ?? Math.random;
  }

  /** True when some condition could apply (cheap: the proxy asks before building a request's match input). */
  active(): boolean {
    if (!this.enabled) return false;
    const set = this.options.rules();
    let active = this.activeBySet.get(set);
    if (active === undefined) {
      active = set.conditionRuleCount > 0 || set.deviceProfiles.some((p) => p.conditions);
      this.activeBySet.set(set, active);
    }
    return active;
  }

  summary(): ConditionsSummary {
    const set = this.options.rules();
    return { enabled: this.enabled, rules: set.conditionRuleCount, profiles: set.deviceProfiles.filter((p) => p.conditions).length };
  }

  /**
   * The shaping for one request, or undefined (no condition applies, or the switch is off). `connection`:
   * the client's socket, so the first request on it pays the connection setup latency.
   */
  forRequest(input: MatchInput, connection: object): Shaping | undefined {
    if (!this.active()) return undefined;
    const set = this.options.rules();
    const found = this.find(set, input);
    if (!found) return undefined;
    const { conditions, key, applied } = found;
    const first = !this.seen.has(connection);
    this.seen.add(connection);
    if (conditions.offline) return { conditions, applied, delayMs: 0, failure: 'reset' };
    const shaping: Shaping = { conditions, applied, delayMs: this.delay(conditions, first) };
    const roll = this.random() * 100;
    if (roll < (conditions.resetPercent ?? 0)) shaping.failure = 'reset';
    else if (roll < (conditions.resetPercent ?? 0) + (conditions.stallPercent ?? 0)) shaping.failure = 'stall';
    if (conditions.downloadKbps) shaping.download = this.budget(`${key}|down|${input.clientIp}`, conditions.downloadKbps);
    if (conditions.uploadKbps) shaping.upload = this.budget(`${key}|up|${input.clientIp}`, conditions.uploadKbps);
    return shaping;
  }

  private find(set: RuleSet, input: MatchInput): { conditions: NetworkConditions; key: string; applied: AppliedRule } | undefined {
    const rule = set.matchConditions(input);
    if (rule && rule.action.type === 'conditions' && this.options.hit(rule)) {
      return { conditions: rule.action.conditions, key: `rule:${rule.id}`, applied: { id: rule.id, kind: 'conditions', name: rule.name } };
    }
    for (const profile of set.deviceProfiles) {
      if (!profile.conditions || !ipInAnyRange(input.clientIp, this.rangesOf(profile))) continue;
      return { conditions: profile.conditions, key: `profile:${profile.id}`, applied: { id: profile.id, kind: 'conditions', name: `profile ${profile.name}` } };
    }
    return undefined;
  }

  private delay(c: NetworkConditions, first: boolean): number {
    const jitter = c.jitterMs ? (this.random() * 2 - 1) * c.jitterMs : 0;
    return Math.max(0, (c.latencyMs ?? 0) + jitter) + (first ? (c.connectLatencyMs ?? 0) : 0);
  }

  private budget(key: string, kbps: number): Budget {
    const rate = kbpsToBytes(kbps);
    let budget = this.budgets.get(key);
    if (!budget) {
      if (this.budgets.size >= SWEEP_AT) this.sweep();
      budget = new Budget(rate);
      this.budgets.set(key, budget);
    }
    // An edited rule keeps its budget (and its queue) at the new rate.
    budget.bytesPerSecond = rate;
    return budget;
  }

  private sweep(): void {
    const now = performance.now();
    for (const [key, budget] of this.budgets) if (budget.idleSince(now, IDLE_MS)) this.budgets.delete(key);
  }

  private rangesOf(profile: DeviceProfile): IpRange[] {
    let ranges = this.profileRanges.get(profile);
    if (!ranges) {
      ranges = profile.clients.flatMap((text) => {
        const parsed = parseIpRange(text);
        return parsed.ok ? [parsed.range] : [];
      });
      this.profileRanges.set(profile, ranges);
    }
    return ranges;
  }
}
