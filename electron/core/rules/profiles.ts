/**
 * Bringing a shared device profile in (an import, a scanned link, or a copy to another device): the
 * profile and every rule get new ids, so importing twice, or a teammate's profile with the same ids,
 * never overwrites what is here. The rules are made what the import dialog showed
 * (common/profile-preview.ts): bound to the new profile only — a shared rule's own client scope is
 * dropped, never widening the profile — and validated like any save.
 */
import { ApiError } from '../../common/api';
import { previewSharedProfile, sharedRulesToImport } from '../../common/profile-preview';
import type { ProfileExport } from '../../common/profile-share';
import type { DeviceProfile } from '../../common/rule';
import { newRuleId, type RuleBook } from './rule-book';

export function importProfile(store: RuleBook, doc: ProfileExport, overrides: { clients?: string[]; name?: string } = {}): Promise<DeviceProfile> {
  const clients = overrides.clients ?? doc.profile.clients;
  const checked = previewSharedProfile(doc, clients);
  if (!checked.ok) return Promise.reject(new ApiError(`the shared profile is refused: ${checked.error}`, 'invalid-rule'));
  // Without priority and version the rules are appended after the ones here, in the shared order.
  const rules = sharedRulesToImport(doc.rules).map((rule) => ({ ...rule, id: newRuleId() }));
  return store.saveProfile({ id: newRuleId(), name: overrides.name ?? doc.profile.name, clients, ...(doc.profile.conditions !== undefined ? { conditions: doc.profile.conditions } : {}), rules });
}
