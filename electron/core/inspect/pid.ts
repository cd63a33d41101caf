/**
 * Which process listens on a TCP port, for the Inspector view's "pid" column. The inspector's own answers do
 * not say (its title is the script path), and asking over the protocol would attach a session and make
 * Node print "Debugger attached." on every restart. On Linux the kernel's socket tables say it without
 * running anything: the listening socket's inode in /proc/net/tcp{,6}, then the process holding that inode
 * among this user's processes. Elsewhere the pid is left out.
 */
import fs from 'node:fs/promises';

export async function pidListeningOn(port: number, platform: NodeJS.Platform = process.platform): Promise<number | undefined> {
  if (platform !== 'linux') return undefined;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; column 9 is the inode.
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':')[1] ?? '', 16) === port) inodes.add(`socket:[${cols[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  // Newest processes first (a restarted app is among them), a batch at a time.
  const pids = (await fs.readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (let i = 0; i < pids.length; i += BATCH) {
    const found = await Promise.all(pids.slice(i, i + BATCH).map((pid) => holds(pid, inodes)));
    const pid = found.find((p) => p !== undefined);
    if (pid !== undefined) return pid;
  }
  return undefined;
}

const BATCH = 32;

async function holds(pid: string, inodes: Set<string>): Promise<number | undefined> {
  const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return links.some((link) => inodes.has(link)) ? Number(pid) : undefined;
}
