/**
 * Where the rule book's documents (rules, device profiles, settings) are kept: the data folder's rules.db
 * (nedb, the default) or, for a team, PostgreSQL (pg-rule-docs.ts), shared by every node. RuleBook keeps
 * everything in memory and writes through this; `onRemoteChange` tells it another node changed the documents.
 */
import Datastore from 'nedb-promises';
import type { Event } from '../../common/events';
import type { DeviceProfile, Rule } from '../../common/rule';
import { moveAside, repairTornTail } from '../store/datafile';
import { NEDB_PRIVATE_MODES } from '../private-files';

export type ProfileMeta = Omit<DeviceProfile, 'rules'>;
export interface RuleDoc {
  _id: string;
  kind: 'rule';
  schema: number;
  rule: Rule;
  seq: number;
  hits: number;
}
export interface ProfileDoc {
  _id: string;
  kind: 'profile';
  schema: number;
  profile: ProfileMeta;
}
export interface SettingsDoc {
  _id: 'settings';
  kind: 'settings';
  schema: number;
  breakpointTimeoutMs?: number;
  conditionsOff?: boolean;
}
export type Doc = RuleDoc | ProfileDoc | SettingsDoc;

export interface RuleDocs {
  /** Every document; `warnings` says what was repaired or set aside on the way. */
  load(): Promise<{ docs: Doc[]; warnings: string[] }>;
  put(doc: Doc): Promise<void>;
  /** Keeps a rule's hit count in its document (a team's store sums counters in their own table instead: shared-hits.ts). */
  setHits?(id: string, hits: number): Promise<void>;
  remove(ids: string[]): Promise<void>;
  close(): Promise<void>;
  /** Another process changed the documents (a shared store only). */
  readonly onRemoteChange?: Event<void>;
}

/** rules.db in the data folder. */
export class NedbRuleDocs implements RuleDocs {
  private db: Datastore<Doc>;

  constructor(private readonly file: string) {
    this.db = Datastore.create(rulesDbOptions(file));
  }

  async load(): Promise<{ docs: Doc[]; warnings: string[] }> {
    const warnings: string[] = [];
    // A kill -9 mid-append leaves a torn last line; a file nedb still refuses is kept aside, never lost.
    if (repairTornTail(this.file)) warnings.push('The rules file ended with an unfinished record (Hindsight was stopped abruptly); that record was dropped.');
    try {
      await this.db.load();
    } catch (err) {
      const aside = moveAside(this.file);
      warnings.push(`The rules file could not be read (${(err as Error).message}); it was moved to ${aside} and Hindsight started without its rules.`);
      // A datastore whose load failed stays failed: start over with a fresh one on the now empty path.
      this.db = Datastore.create(rulesDbOptions(this.file));
      await this.db.load();
    }
    return { docs: await this.db.find({}), warnings };
  }

  async put(doc: Doc): Promise<void> {
    await this.db.update({ _id: doc._id }, doc, { upsert: true });
  }

  async setHits(id: string, hits: number): Promise<void> {
    await this.db.update({ _id: `rule:${id}` }, { $set: { hits } });
  }

  async remove(ids: string[]): Promise<void> {
    await this.db.remove({ _id: { $in: ids } }, { multi: true });
  }

  async close(): Promise<void> {
    // nedb-promises forwards this to @seald-io/nedb's promise API, which its typings do not list.
    await (this.db as unknown as { compactDatafileAsync(): Promise<void> }).compactDatafileAsync().catch(() => {});
  }
}

/** nedb-promises passes options through to @seald-io/nedb, whose `modes` its typings leave out. */
function rulesDbOptions(filename: string): { filename: string; autoload: false } {
  return { filename, autoload: false, modes: NEDB_PRIVATE_MODES } as { filename: string; autoload: false };
}

/** Copies every rule, profile and the settings from one document store to another (`hindsight store copy`). */
export async function copyRuleDocs(from: RuleDocs, to: RuleDocs): Promise<{ rules: number; profiles: number }> {
  const { docs } = await from.load();
  await to.load();
  for (const doc of docs) await to.put(doc);
  return { rules: docs.filter((d) => d.kind === 'rule').length, profiles: docs.filter((d) => d.kind === 'profile').length };
}
