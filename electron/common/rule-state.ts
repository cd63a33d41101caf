/**
 * The rules engine's state as the API shows it (rules.list, profiles.list, the rules/changed event).
 */
import type { NetworkConditions } from './conditions';
import type { DeviceProfile, Rule, RuleScope } from './rule';

export interface RuleInfo {
  rule: Rule;
  /** How often the rule applied since it was last saved. */
  hits: number;
  /** True when `times` is set and used up: the rule no longer matches (save it again to re-arm it). */
  exhausted: boolean;
  /** One English line (explainRule). */
  explanation: string;
}

export interface RulesState {
  /** Every rule (device profiles' too) in the order the proxy tries them. */
  rules: RuleInfo[];
  /** Profiles with their rules (those whose scope.profile names them). */
  profiles: DeviceProfile[];
  /** Problems loading the rules file (a torn last record dropped, an unreadable file moved aside). */
  warnings: string[];
}

/** A rule as the UI sends it to be saved: no id makes a new one; absent priority keeps or appends. */
export type RuleDraft = Omit<Rule, 'id' | 'enabled' | 'priority' | 'scope' | 'version'> & {
  id?: string;
  enabled?: boolean;
  priority?: number;
  scope?: RuleScope;
};

export interface ProfileDraft {
  id?: string;
  name: string;
  clients: string[];
  rules?: RuleDraft[];
  /** Absent: keep the stored network conditions; null: none. */
  conditions?: NetworkConditions | null;
}
