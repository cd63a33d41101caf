/**
 * What a shared device profile will install, told before anything is installed. A link or file comes
 * from someone else, so nothing its author wrote is trusted as a description: the rules are first made
 * into what an import stores (new ids, each bound to the imported profile and to nothing wider — a rule's
 * own `scope.clients` is dropped), validated like any save, and only then explained by explainRule. The
 * author's rule names are shown as names, never as the description; rules that match every request and
 * profiles that reach every client are called out in plain words.
 *
 * Used by the import dialogs in the renderer, by `hindsight://` link checks in Electron main, and by the
 * core's import itself (sharedRulesToImport), so what is shown is what is stored.
 */
import type { ProfileExport } from './profile-share';
import { parseIpRange } from './cidr';
import type { DeviceProfile, Rule } from './rule';
import { describeConditions } from './conditions';
import { explainRule } from './rule-explain';
import { validateDeviceProfile } from './rule-validate';

export interface SharedRulePreview {
  /** explainRule of the validated rule, as it will read once imported. */
  explanation: string;
  /** The name its author gave it (may say anything: shown as a name only). */
  name: string;
  /** Plain-words warnings about this rule ("matches every request"). */
  warnings: string[];
}

export interface SharedProfilePreview {
  name: string;
  clients: string[];
  rules: SharedRulePreview[];
  /** Plain-words warnings about the profile as a whole (every client, no client). */
  warnings: string[];
  /** The profile's network conditions in words (validated like any save), when it has some. */
  conditions?: string;
}

export type SharedProfilePreviewResult = { ok: true; preview: SharedProfilePreview } | { ok: false; error: string };

/** The id the preview binds rules to; the store gives the real profile a fresh one on import. */
const PREVIEW_PROFILE_ID = 'shared-profile';

/**
 * A shared document's rules as an import stores them: no id, priority or version of the author's (the
 * store assigns them), and scope emptied so the store binds each rule to the imported profile alone.
 */
export function sharedRulesToImport(rules: readonly Rule[]): Omit<Rule, 'id' | 'priority' | 'version'>[] {
  return rules.map((rule) => {
    const { id: _id, priority: _priority, version: _version, scope: _scope, ...rest } = rule as Rule & Record<string, unknown>;
    return { ...rest, scope: {} } as Omit<Rule, 'id' | 'priority' | 'version'>;
  });
}

/** "every IPv4 client" for 0.0.0.0/0, "every IPv6 client" for ::/0; undefined for narrower ranges. */
function everyClientRange(text: string): string | undefined {
  const parsed = parseIpRange(text);
  if (!parsed.ok || parsed.range.prefix !== 0) return undefined;
  return parsed.range.family === 4 ? 'every IPv4 client' : 'every IPv6 client';
}

function ruleWarnings(rule: Rule): string[] {
  const warnings: string[] = [];
  if (rule.matchers.length === 0) warnings.push('has no conditions: it matches every request, HTTPS included');
  if (!rule.enabled) warnings.push('is switched off');
  return warnings;
}

/**
 * Validates and describes a shared profile as it would be imported, with `clients` in place of the
 * shared ones when the user binds it elsewhere. Every rule must list its conditions (`matchers`, `[]`
 * for every request): a rule without the field is refused rather than silently read as "everything".
 */
export function previewSharedProfile(doc: ProfileExport, clients: readonly string[] = doc.profile.clients): SharedProfilePreviewResult {
  for (let i = 0; i < doc.rules.length; i++) {
    if (!Array.isArray((doc.rules[i] as { matchers?: unknown }).matchers)) {
      return { ok: false, error: `rules[${i}].matchers: is missing (a shared rule must list its conditions; [] means every request)` };
    }
  }
  const rules = sharedRulesToImport(doc.rules).map((r, i) => ({ ...r, id: `shared-${i}`, scope: { profile: PREVIEW_PROFILE_ID } }));
  const checked = validateDeviceProfile({ id: PREVIEW_PROFILE_ID, name: doc.profile.name, clients: [...clients], ...(doc.profile.conditions !== undefined ? { conditions: doc.profile.conditions } : {}), rules });
  if (!checked.ok) return { ok: false, error: checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ') };
  const profile: DeviceProfile = checked.profile;
  const everyClient = [...new Set(profile.clients.map(everyClientRange).filter((w): w is string => w !== undefined))];
  const warnings: string[] = [];
  if (everyClient.length > 0) warnings.push(`applies to ${everyClient.join(' and ')} (${profile.clients.filter((c) => everyClientRange(c)).join(', ')})`);
  if (profile.clients.length === 0) warnings.push('names no clients: its rules apply to no device until you bind it to one');
  return {
    ok: true,
    preview: {
      name: profile.name,
      clients: profile.clients,
      rules: profile.rules.map((rule) => ({ explanation: explainRule(rule, [profile]), name: rule.name, warnings: ruleWarnings(rule) })),
      warnings,
      ...(profile.conditions ? { conditions: describeConditions(profile.conditions) } : {}),
    },
  };
}
