/**
 * `hindsight serve --rules FILE`: a JSON rule set loaded at start — an array of rules, or a device profile
 * export (profile-share.ts). Every rule is validated before any is stored; a bad file is refused as a whole
 * with one line per problem naming the rule's index and field (`rules[1].action.status: …`).
 *
 * Loading the same file at every start must not pile up copies: rules keep the ids the file gives them, and
 * a rule without one gets `<file name>#<index>`, so a restart replaces what the last one loaded. Rules
 * added through the UI meanwhile stay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isProfileExport, parseProfileExport } from '../../common/profile-share';
import { validateDeviceProfile, validateRule, type FieldError } from '../../common/rule-validate';
import type { RuleBook } from './rule-book';

export class RulesFileError extends Error {
  override name = 'RulesFileError';
}

export interface LoadedRules {
  rules: number;
  /** The profile's name when the file was a profile export. */
  profile?: string;
}

/** A rules file read and checked, ready to store. */
export type RulesFile = { file: string; rules: unknown[] } | { file: string; profile: { id: string; name: string; clients: string[]; conditions?: unknown; rules: unknown[] } };

/**
 * Reads and checks a rules file without storing anything (so `serve` can refuse a bad file before it opens
 * the proxy). Throws RulesFileError listing every problem as `rules[i].field: message`.
 */
export function readRulesFile(file: string): RulesFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RulesFileError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RulesFileError(`${file}: is not JSON (${(err as Error).message})`);
  }
  const base = path.basename(file);
  // Rules without an id get `<file name>#<index>` (or `<profile id>#<index>`): a reload replaces them.
  const withIds = (rules: unknown[], prefix: string) =>
    rules.map((r, i) => (r && typeof r === 'object' && !Array.isArray(r) && !(r as { id?: unknown }).id ? { ...r, id: `${prefix}#${i}` } : r));
  if (Array.isArray(json)) {
    const rules = withIds(json, base);
    refuse(file, rules.flatMap((rule, i) => {
      const checked = validateRule(rule);
      return checked.ok ? [] : checked.errors.map((e) => ({ field: `rules[${i}].${e.field}`, message: e.message }));
    }));
    return { file, rules };
  }
  if (isProfileExport(json)) {
    const parsed = parseProfileExport(json);
    if (!parsed.ok) throw new RulesFileError(`${file}: ${parsed.error}`);
    const { profile, rules } = parsed.value;
    const id = profile.id || base;
    // Like an import (profile-preview.ts): each rule applies to the profile's clients, never to a wider scope of its own.
    const bound = rules.map((rule) => ({ ...rule, scope: {} }));
    const checked = { id, name: profile.name, clients: profile.clients, ...(profile.conditions !== undefined ? { conditions: profile.conditions } : {}), rules: withIds(bound, id) };
    const validation = validateDeviceProfile(checked);
    if (!validation.ok) refuse(file, validation.errors);
    return { file, profile: checked };
  }
  throw new RulesFileError(`${file}: must hold an array of rules or a device profile export ({"format": "hindsight-profile", …})`);
}

function refuse(file: string, fields: FieldError[]): void {
  if (fields.length === 0) return;
  throw new RulesFileError([`${file}: refused, nothing was loaded:`, ...fields.map((f) => `  ${f.field}: ${f.message}`)].join('\n'));
}

/** Stores a checked rules file: all its rules or none. */
export async function applyRulesFile(store: RuleBook, content: RulesFile): Promise<LoadedRules> {
  await store.ready;
  try {
    if ('rules' in content) {
      await store.saveAll(content.rules, (i) => `rules[${i}].`);
      return { rules: content.rules.length };
    }
    const saved = await store.saveProfile(content.profile);
    return { rules: saved.rules.length, profile: saved.name };
  } catch (err) {
    const fields = (err as { fields?: FieldError[] }).fields;
    if (fields) refuse(content.file, fields);
    throw err;
  }
}

/** readRulesFile + applyRulesFile. */
export async function loadRulesFile(store: RuleBook, file: string): Promise<LoadedRules> {
  return applyRulesFile(store, readRulesFile(file));
}

/** The line `serve` prints. */
export function describeLoadedRules(file: string, loaded: LoadedRules): string {
  const count = `${loaded.rules} rule${loaded.rules === 1 ? '' : 's'}`;
  return loaded.profile ? `${count} of device profile "${loaded.profile}" from ${file}` : `${count} from ${file}`;
}
