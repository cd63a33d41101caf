/**
 * The rules engine's state as the API shows it (rules.list, profiles.list, the rules/changed event).
 */
import type { FieldError } from './rule-validate';
import type { DeviceProfile, Rule } from './rule';

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
}

/** rules.save / profiles.save refused: the `invalid-rule` ApiError carries these in its message and here. */
export interface RuleRefusal {
  errors: FieldError[];
}
