/**
 * Network conditions as one service of the core: the per-request service the proxy asks, over the rule
 * store's compiled snapshot, and the global switch persisted with the rules' settings.
 */
import type { RulesService } from '../rules';
import { ConditionsService, type ConditionsSummary } from './service';

export interface Conditions {
  readonly service: ConditionsService;
  summary(): ConditionsSummary;
  /** The global switch: off keeps every condition but applies none. */
  setEnabled(enabled: boolean): Promise<ConditionsSummary>;
}

export function createConditions(rules: RulesService, random?: () => number): Conditions {
  const service = new ConditionsService({ rules: () => rules.store.ruleSet(), hit: (rule) => rules.store.hit(rule), random });
  void rules.ready.then(() => {
    service.enabled = !rules.store.settings().conditionsOff;
  });
  return {
    service,
    summary: () => service.summary(),
    async setEnabled(enabled) {
      await rules.store.setSettings({ conditionsOff: !enabled });
      service.enabled = enabled;
      return service.summary();
    },
  };
}
