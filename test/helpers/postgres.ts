/**
 * A throwaway PostgreSQL cluster for one test file: initdb into a temporary folder, pg_ctl start on
 * 127.0.0.1 at a free port (and a unix socket in the same folder), one fresh database per call of
 * `database()`, everything stopped and removed by `stop()`.
 *
 * The binaries are Debian's (/usr/lib/postgresql/<version>/bin) or whatever `initdb` is on PATH. PostgreSQL
 * refuses to run as root, so as root the cluster runs as the `postgres` user (or `nobody`) through runuser.
 *
 * When the binaries are absent, `postgresUnavailable()` says why so tests can skip — except under CI=true,
 * where a missing PostgreSQL is a failure (`.ci/run` installs it), not a skipped suite.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { after, before } from 'node:test';

/** The folder holding initdb and pg_ctl, newest version first; undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .filter((v) => fs.existsSync(path.join(debian, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length) return path.join(debian, versions[0], 'bin');
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return onPath.status === 0 && onPath.stdout.trim() ? path.dirname(onPath.stdout.trim()) : undefined;
}

/**
 * The reason PostgreSQL tests cannot run here, for `test(name, { skip: postgresUnavailable() }, …)`; false when
 * they can. Under CI=true it throws instead: CI must run these tests, never skip them.
 */
export function postgresUnavailable(): string | false {
  if (postgresBinDir()) return false;
  const reason = 'PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH); apt-get install postgresql to run these tests';
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason}`);
  return reason;
}

export interface TestCluster {
  /** A new empty database on the cluster; its connection URL. */
  database(): Promise<string>;
  readonly port: number;
  /** Stops the server at once (immediate shutdown) and removes its folder. */
  stop(): Promise<void>;
  /** Stops the server (immediate mode, like a crash) and starts it again on the same port. */
  restart(): Promise<void>;
  /** restart() in two steps, for tests that act while the database is down: stops it (immediate mode)… */
  down(): Promise<void>;
  /** …and starts it again on the same port. */
  up(): Promise<void>;
}

/** A non-root user to run the server as, when we are root. */
function serverUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    if (spawnSync('id', ['-u', name]).status === 0) return name;
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestCluster(): Promise<TestCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pg-'));
  const data = path.join(dir, 'data');
  const run = (tool: string, args: string[]) => {
    const command = user ? ['runuser', '-u', user, '--', path.join(bin, tool), ...args] : [path.join(bin, tool), ...args];
    execFileSync(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  if (user) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // Small and quick: no fsync (a test cluster's data is thrown away; the OS survives a server crash, so
  // committed data does too), few connections, sockets in our folder. synchronous_commit stays on: a commit
  // must survive restart() (an immediate shutdown), as it does in production.
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  start();
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let n = 0;
  let stopped = false;
  return {
    port,
    async database() {
      const name = `t${process.pid}_${++n}`;
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      start();
    },
    async down() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    async up() {
      start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * One throwaway cluster for a test file: registers before/after hooks that start it (unless PostgreSQL is
 * unavailable: `skip` then says why) and, after the file's tests, close the stores handed to `track` and stop it.
 */
export function useTestCluster(): { skip: string | false; cluster: () => TestCluster; track: <T extends { close(): Promise<void> }>(store: T) => T } {
  const skip = postgresUnavailable();
  let cluster: TestCluster | undefined;
  const open: { close(): Promise<void> }[] = [];
  before(async () => {
    if (!skip) cluster = await startTestCluster();
  });
  after(async () => {
    for (const s of open.splice(0)) await s.close();
    await cluster?.stop();
  });
  return {
    skip,
    cluster: () => cluster!,
    track: (store) => {
      open.push(store);
      return store;
    },
  };
}
