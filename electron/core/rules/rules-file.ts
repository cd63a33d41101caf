/**
 * `hindsight serve --rules FILE`: a JSON rule set loaded at start — an array of rules, or a device profile
 * export (profile-share.ts). Every rule is validated before any is stored; a bad file is refused as a whole
 * with one line per problem naming the rule's index and field (`rules[1].action.status: …`).
 *
 * Loading the same file at every start must not pile up copies: rules keep the ids the file gives them, and
 * a rule without one gets `<file name>#<index>`, so a restart replaces what the last one loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isProfileExport, parseProfileExport } from '../../common/profile-share';
import type { FieldError } from '../../common/rule-validate';
import type { RuleStore } from './store';

export class RulesFileError extends Error {
  override name = 'RulesFileError';
}

export interface LoadedRules {
  rules: number;
  /** The profile's name when the file was a profile export. */
  profile?: string;
}

export async function loadRulesFile(store: RuleStore, file: string): Promise<LoadedRules> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RulesFileError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RulesFileError(`${file}: is not JSON (${(err as Error).message})`);
  }
  const base = path.basename(file);
  const withIds = (rules: unknown[], prefix: string) =>
    rules.map((r, i) => (r && typeof r === 'object' && !Array.isArray(r) && !(r as { id?: unknown }).id ? { ...r, id: `${prefix}#${i}` } : r));
  try {
    if (Array.isArray(json)) {
      await store.ready;
      await store.saveAll(withIds(json, base), (i) => `rules[${i}].`);
      return { rules: json.length };
    }
    if (isProfileExport(json)) {
      const parsed = parseProfileExport(json);
      if (!parsed.ok) throw new RulesFileError(`${file}: ${parsed.error}`);
      const { profile, rules } = parsed.value;
      const id = profile.id || base;
      await store.ready;
      const saved = await store.saveProfile({ id, name: profile.name, clients: profile.clients, rules: withIds(rules, id) });
      return { rules: saved.rules.length, profile: saved.name };
    }
  } catch (err) {
    const fields = (err as { fields?: FieldError[] }).fields;
    if (fields) throw new RulesFileError([`${file}: refused, nothing was loaded:`, ...fields.map((f) => `  ${f.field}: ${f.message}`)].join('\n'));
    throw err;
  }
  throw new RulesFileError(`${file}: must hold an array of rules or a device profile export ({"format": "hindsight-profile", …})`);
}
