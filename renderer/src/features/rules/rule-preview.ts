/**
 * Which recent flows a rule being edited would take, checked by the rules engine's own matcher
 * (electron/common/rule-match.ts), so the preview says what the proxy will do. Summaries carry no
 * headers: header conditions are left out of the check, and the result says so.
 */
import type { FlowSummary } from '../../../../electron/common/flow';
import type { DeviceProfile, Rule } from '../../../../electron/common/rule';
import { compileRule } from '../../../../electron/common/rule-match';

export interface RulePreview {
  /** The flows the rule matches, in the order given (newest first). */
  matched: FlowSummary[];
  /** How many flows were checked. */
  checked: number;
  /** The rule has header conditions, which the preview cannot check. */
  headersUnchecked: boolean;
}

export function previewRule(rule: Rule, flows: readonly FlowSummary[], profiles: readonly DeviceProfile[]): RulePreview {
  const headersUnchecked = rule.matchers.some((m) => m.type === 'header');
  // A copy without version: compiled once for this object, never confused with the stored rule's cache entry.
  const compiled = compileRule({ ...rule, version: undefined, matchers: rule.matchers.filter((m) => m.type !== 'header') });
  const matched = flows.filter((s) => compiled.admitsClient(s.clientIp, profiles) && compiled.matchesRequest({ method: s.method, url: s.url, headers: [] }));
  return { matched, checked: flows.length, headersUnchecked };
}
