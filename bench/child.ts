/**
 * Helper processes of a benchmark: the bench file runs itself again with BENCH_ROLE (an origin, a proxy), so each
 * part's CPU and memory are its own. A role answers IPC messages ('usage', 'stop'); the load client asks them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export type Message = { type: string; [key: string]: unknown };

export interface Child {
  process: ChildProcess;
  /** The role's first message (its port, CA …). */
  ready: Message;
  /** Sends `type` and resolves with the role's next message; rejects when the role has exited. */
  ask(type: string): Promise<Message>;
  /** Asks the role to stop; killed after 10 s. */
  stop(): Promise<void>;
}

/** Starts `file` (under tsx, plus BENCH_NODE_FLAGS) as `role` and waits for its first message. */
export async function startChild(file: string, role: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), file], {
    env: { ...process.env, ...env, BENCH_ROLE: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Message>((resolve, reject) => {
    child.once('message', (m: Message) => resolve(m));
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
  return {
    process: child,
    ready,
    ask: (type) =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${role} exited (${child.exitCode})`));
        child.once('message', (m: Message) => resolve(m));
        child.send({ type });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send({ type: 'stop' });
      else child.kill();
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The p-th percentile of sorted values (NaN when there are none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** This process's peak resident memory in MB. */
export function peakRssMB(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}
