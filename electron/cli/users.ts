/**
 * `hindsight users add|list|revoke`: named users of a team server (issue 21), each with a token of their
 * own. Works on the data folder's users file (electron/core/users/users-file.ts) whether or not a
 * `hindsight serve` runs on it: the server notices the change at once, and a revoked user's open UI tabs
 * are disconnected. With `--store postgres://…` (or HINDSIGHT_STORE) it works on the team store's users
 * table instead (electron/core/users/pg-store.ts), which every node on that database reads: each node
 * notices within a round trip. Roles: electron/common/users.ts.
 */
import path from 'node:path';
import { userNameProblem, type UserRole } from '../common/users';
import { defaultDataDir } from '../core/paths';
import { openMigratedPool, redactUrl } from '../core/store/pg/pg-db';
import { UsersFile, usersFile } from '../core/users/users-file';
import { PgUsers } from '../core/users/pg-store';
import type { UserDirectory } from '../core/users/types';
import { parseCommandArgs, type CliOutput } from './args';
import { commandStoreUrl, STORE_FLAG, STORE_USAGE } from './store-flags';

export const usage = `Usage: hindsight users add NAME [--admin] [--data DIR | --store URL]
       hindsight users list [--json] [--data DIR | --store URL]
       hindsight users revoke NAME [--data DIR | --store URL]

Named users for a shared (team) Hindsight. While no user exists, the UI token of the data folder is the
only way in, as always; it stays valid (as the owner, an admin) once users exist.

  add NAME     creates the user and prints their token once (only its SHA-256 is kept); give it to them:
               they open http://HOST:PORT/#token=TOKEN, or use it as 'Authorization: Bearer TOKEN'
  list         the users, their roles and their bound devices (never tokens)
  revoke NAME  removes the user; their token is refused at once, open UI tabs included
  --admin      (add) may change rules, profiles and settings; without it the user is a member, who sees
               and replays everything but cannot change rules, profiles or settings
  --json       (list) one JSON object per user
  --data DIR   data folder (default: ${defaultDataDir()})
${STORE_USAGE}
               (the users of every node on that database; a revoke reaches each node's open tabs)
  -h, --help   show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs('users', argv, { data: { type: 'string' }, admin: { type: 'boolean' }, json: { type: 'boolean' }, ...STORE_FLAG }, usage, out, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, name, ...extra] = positionals;
  const bad = (message: string) => {
    out.stderr.write(`hindsight users: ${message}\n\n${usage}\n`);
    return 2;
  };
  const wants = { add: 1, list: 0, revoke: 1 } as Record<string, number>;
  if (!action || !(action in wants)) return bad(action ? `unknown action '${action}' (add, list or revoke)` : 'name an action: add, list or revoke');
  if ((name === undefined ? 0 : 1) + extra.length !== wants[action]) return bad(wants[action] ? `${action} takes one user NAME` : `${action} takes no NAME`);
  if (values.admin && action !== 'add') return bad('--admin goes with add');
  if (values.json && action !== 'list') return bad('--json goes with list');
  const nameProblem = action === 'add' ? userNameProblem(name!) : undefined;
  if (nameProblem) return bad(nameProblem);

  const storeUrl = commandStoreUrl('users', values.store, out);
  if (typeof storeUrl === 'number') return storeUrl;
  if (values.store !== undefined && values.data !== undefined) return bad('--data and --store name two different user lists: give one');
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const where = storeUrl.url ? redactUrl(storeUrl.url) : usersFile(dataDir);
  let store: UserDirectory;
  let closePool = async () => {};
  if (storeUrl.url) {
    try {
      const pool = await openMigratedPool(storeUrl.url);
      closePool = () => pool.end().catch(() => {});
      store = await PgUsers.open(pool, storeUrl.url, { listen: false });
    } catch (err) {
      await closePool();
      out.stderr.write(`hindsight users: the store ${where} cannot be used: ${(err as Error).message}\n`);
      return 1;
    }
  } else store = new UsersFile(dataDir);
  try {
    if (store.problem) {
      out.stderr.write(`hindsight users: ${store.problem}\n`);
      return 1;
    }
    if (action === 'add') {
      const role: UserRole = values.admin ? 'admin' : 'member';
      let added;
      try {
        added = await store.add(name!, role);
      } catch (err) {
        out.stderr.write(`hindsight users: ${(err as Error).message}\n`);
        return 1;
      }
      out.stdout.write(`${added.token}\n`);
      out.stderr.write(`Added ${role} ${name}. The token above is shown only now: hand it to ${name}, who signs in by opening the UI address with #token=TOKEN after it (http://HOST:PORT/#token=…).\n`);
      return 0;
    }
    if (action === 'revoke') {
      if (!(await store.revoke(name!))) {
        out.stderr.write(`hindsight users: no user named ${name} in ${where}\n`);
        return 1;
      }
      out.stderr.write(`Revoked ${name}: their token no longer works.\n`);
      return 0;
    }
    const users = store.list();
    if (values.json) {
      for (const u of users) out.stdout.write(`${JSON.stringify(u)}\n`);
      return 0;
    }
    if (users.length === 0) {
      out.stderr.write('No users: the data folder\'s UI token is the only way in (hindsight users add NAME).\n');
      return 0;
    }
    const width = Math.max(4, ...users.map((u) => u.name.length));
    out.stdout.write(`${'NAME'.padEnd(width)}  ROLE    ADDED       DEVICES\n`);
    for (const u of users) {
      out.stdout.write(`${u.name.padEnd(width)}  ${u.role.padEnd(6)}  ${new Date(u.createdAt).toISOString().slice(0, 10)}  ${u.devices.join(', ') || '-'}\n`);
    }
    return 0;
  } finally {
    await store.dispose();
    await closePool();
  }
}
