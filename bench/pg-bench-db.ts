/**
 * The PostgreSQL side of the capture bench (BENCH_STORE, BENCH_PG_PID): a fresh database per proxy on a given
 * cluster, and the cluster's CPU time, so the database's share of a request is measured beside the proxy's.
 */
import fs from 'node:fs';
import pg from 'pg';

/** Creates an empty database through `adminUrl` (any database of the cluster); `drop` removes it. */
export async function benchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Clock ticks per second of /proc's utime/stime (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;

/**
 * CPU time (µs) of the PostgreSQL server BENCH_PG_PID names: the postmaster and its live children (backends,
 * WAL writer, checkpointer …). 0 without BENCH_PG_PID. Children that exited meanwhile are not counted.
 */
export function postgresCpuMicros(): number {
  const root = Number(process.env.BENCH_PG_PID);
  if (!root) return 0;
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name (which may hold spaces): state ppid … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    if (pid === root || ppid === root) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1_000_000) / TICKS_PER_S;
}
