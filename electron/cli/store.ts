/**
 * `hindsight store copy --from DIR|URL --to DIR|URL`: copies flows with their bodies and message logs (and
 * rules, profiles, settings, users and bound devices) between
 * an embedded store (a data folder) and a PostgreSQL store (a postgres:// URL), either way (issue 21).
 * A data folder must not be held by a running hindsight (two processes never write the same files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readLock } from '../core/instance/lock';
import { dataPaths } from '../core/paths';
import { mkdirPrivate } from '../core/private-files';
import { copyFlows } from '../core/export/store-copy';
import { copyPeople, type PeopleStore } from '../core/devices/people-copy';
import { openFlowStore } from '../core/store';
import { isPostgresUrl, redactUrl } from '../core/store/pg/pg-db';
import { openPgStore, type PgFlowStore } from '../core/store/pg/pg-store';
import { PgRuleDocs } from '../core/rules/pg-rule-docs';
import { copyRuleDocs, NedbRuleDocs, type RuleDocs } from '../core/rules/rule-docs';
import type { AnyFlowStore } from '../core/store/types';
import { parseCommandArgs, type CliOutput } from './args';

export const usage = `Usage: hindsight store copy --from DIR|URL --to DIR|URL

Copies every flow, with its bodies and message log, the rules, device profiles and settings, and the
users (their tokens keep working) and bound devices, from one store to another: a data folder (the
embedded store) or a PostgreSQL database (postgres://user@host/db), either way. Flows keep their ids (and
their numbers when the destination is empty); flows the destination already has are skipped, so an
interrupted copy can be run again; rules and profiles with the same id, users with the same name and
devices with the same key are replaced. Neither data folder may be in use by a running hindsight.

  --from DIR|URL  the store to read
  --to DIR|URL    the store to write (a data folder is created when missing)
  -h, --help      show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs('store', argv, { from: { type: 'string' }, to: { type: 'string' } }, usage, out, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'copy') {
    out.stderr.write(`hindsight store: expected the subcommand copy${positionals.length ? `, got '${positionals.join(' ')}'` : ''}\n\n${usage}\n`);
    return 2;
  }
  if (!values.from || !values.to) {
    out.stderr.write(`hindsight store copy: give both --from and --to\n\n${usage}\n`);
    return 2;
  }
  const from = describe(values.from);
  const to = describe(values.to);
  if (from.key === to.key) {
    out.stderr.write(`hindsight store copy: --from and --to are the same store (${from.label})\n`);
    return 2;
  }
  const problem = (from.dir && fromDirProblem(from.dir)) || (to.dir && toDirProblem(to.dir));
  if (problem) {
    out.stderr.write(`hindsight store copy: ${problem}\n`);
    return 1;
  }
  let source: AnyFlowStore | undefined;
  let target: AnyFlowStore | undefined;
  try {
    source = await open(from);
    target = await open(to);
    const outcome = await copyFlows(source, target, (done, total) => out.stderr.write(`  ${done} of ${total} flows…\n`));
    out.stdout.write(`Copied ${outcome.copied} flow${outcome.copied === 1 ? '' : 's'} from ${from.label} to ${to.label}${outcome.skipped ? ` (${outcome.skipped} already there, skipped)` : ''}\n`);
    const rules = await copyRules(from, source, to, target);
    if (rules) out.stdout.write(`Copied ${plural(rules.rules, 'rule')} and ${plural(rules.profiles, 'device profile')}\n`);
    const people = await copyPeople(peopleStore(from, source), peopleStore(to, target));
    out.stdout.write(`Copied ${plural(people.users, 'user')} and ${plural(people.devices, 'device binding')}\n`);
    for (const w of [...source.warnings(), ...target.warnings()]) out.stderr.write(`hindsight store copy: warning: ${w}\n`);
    return 0;
  } catch (err) {
    out.stderr.write(`hindsight store copy: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await source?.close();
    await target?.close();
  }
}

interface StoreSpec {
  /** A data folder, for the embedded store. */
  dir?: string;
  url?: string;
  label: string;
  key: string;
}

function describe(spec: string): StoreSpec {
  if (isPostgresUrl(spec)) return { url: spec, label: redactUrl(spec), key: spec };
  const dir = path.resolve(spec);
  return { dir, label: dir, key: dir };
}

function fromDirProblem(dir: string): string | undefined {
  if (!fs.existsSync(dataPaths(dir).flowsDb)) return `no flows stored in ${dir}`;
  return heldProblem(dir);
}

function toDirProblem(dir: string): string | undefined {
  if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) return `${dir} is a file, not a data folder`;
  return heldProblem(dir);
}

function heldProblem(dir: string): string | undefined {
  const holder = readLock(dir);
  return holder ? `a running hindsight (pid ${holder.pid}) holds ${dir}; stop it first` : undefined;
}

/** Opened without retention: a copy must not trim either store. */
async function open(spec: StoreSpec): Promise<AnyFlowStore> {
  if (spec.url) {
    try {
      return await openPgStore({ url: spec.url, maxFlows: Infinity });
    } catch (err) {
      throw new Error(`cannot open the store at ${spec.label}: ${(err as Error).message}`);
    }
  }
  mkdirPrivate(spec.dir!);
  const store = openFlowStore({ dataDir: spec.dir!, maxFlows: Infinity });
  try {
    await store.ready;
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The rule documents of a store: the data folder's rules.db, or the database's (beside the flows). */
function ruleDocsOf(spec: StoreSpec, store: AnyFlowStore): RuleDocs {
  if (spec.url) return new PgRuleDocs((store as PgFlowStore).pool, spec.url, () => {});
  return new NedbRuleDocs(dataPaths(spec.dir!).rulesDb);
}

/** Where a store keeps its users and bound devices: its data folder's files, or its database. */
function peopleStore(spec: StoreSpec, store: AnyFlowStore): PeopleStore {
  return spec.url ? { db: (store as PgFlowStore).pool } : { dir: spec.dir! };
}

/** Rules, device profiles and settings; undefined when a data folder to copy from has none. */
async function copyRules(from: StoreSpec, source: AnyFlowStore, to: StoreSpec, target: AnyFlowStore): Promise<{ rules: number; profiles: number } | undefined> {
  if (from.dir && !fs.existsSync(dataPaths(from.dir).rulesDb)) return undefined;
  const read = ruleDocsOf(from, source);
  const write = ruleDocsOf(to, target);
  try {
    return await copyRuleDocs(read, write);
  } finally {
    await read.close();
    await write.close();
  }
}
