/**
 * Bringing a shared device profile in (an import, a scanned link, or a copy to another device): the
 * profile and every rule get new ids, so importing twice, or a teammate's profile with the same ids,
 * never overwrites what is here; the rules are bound to the new profile and validated like any save.
 */
import type { ProfileExport } from '../../common/profile-share';
import type { DeviceProfile } from '../../common/rule';
import { newRuleId, type RuleStore } from './store';

export function importProfile(store: RuleStore, doc: ProfileExport, overrides: { clients?: string[]; name?: string } = {}): Promise<DeviceProfile> {
  // Without priority and version the rules are appended after the ones here, in the shared order.
  const rules = doc.rules.map(({ version: _version, priority: _priority, ...rule }) => ({ ...rule, id: newRuleId(), scope: { ...(rule.scope ?? {}), profile: undefined } }));
  return store.saveProfile({
    id: newRuleId(),
    name: overrides.name ?? doc.profile.name,
    clients: overrides.clients ?? doc.profile.clients,
    ...(doc.profile.conditions !== undefined ? { conditions: doc.profile.conditions } : {}),
    rules,
  });
}
