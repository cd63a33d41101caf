/**
 * The inspector relay (issue 19): how long after a restarted process's inspector listens the relay serves
 * its new id through the stable path (p50/p99 over 50 restarts, alternating between two ports as nodemon
 * or a replaced cluster worker would), and what polling costs while idle (CPU of this process, which runs
 * only the relay, over 10 s, minus the same process's CPU over 10 s before the relay started: 22 target
 * ports like the default 9229–9250, nothing listening; then with one live process). Real `node --inspect` children on ports found free. Run: `npm run bench inspect`.
 */
import { checkRelayConfig } from '../electron/core/inspect/config';
import { DEFAULT_POLL_MS } from '../electron/core/inspect/discovery';
import { startRelay, type Relay } from '../electron/core/inspect/relay';
import { freePortRun, startInspectee, type Inspectee } from '../test/helpers/inspect';

const RESTARTS = 50;
const IDLE_MS = 10_000;
const PORTS = 22;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Resolves at the relay's first change that puts `id` behind a path. */
function served(relay: Relay, id: string): Promise<number> {
  return new Promise((resolve) => {
    const watch = relay.discovery.onDidChange(() => {
      if (relay.discovery.slots.some((s) => s.entry?.id === id)) {
        watch.dispose();
        resolve(performance.now());
      }
    });
  });
}

async function idleCpu(ms: number): Promise<number> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
}

/** CPU time of one full poll of every target port (back to back, 200 times), in µs. */
async function cpuPerFullPoll(relay: Relay): Promise<number> {
  const runs = 200;
  for (let i = 0; i < 50; i++) await relay.discovery.poll(); // warm-up (JIT)
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) await relay.discovery.poll();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / runs;
}

async function main(): Promise<void> {
  // What this process costs with nothing to do (tsx, timers of the runtime), subtracted from the figures below.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const baseline = await idleCpu(IDLE_MS);
  const base = await freePortRun(PORTS);
  const relay = await startRelay({ checked: checkRelayConfig({ host: '127.0.0.1', port: 0, targets: [`${base}-${base + PORTS - 1}`] }) });
  const idleEmpty = await idleCpu(IDLE_MS);
  const fullPollEmpty = await cpuPerFullPoll(relay);

  const latencies: number[] = [];
  let last: Inspectee | undefined;
  for (let i = 0; i < RESTARTS; i++) {
    const port = base + 1 + (i % 2);
    // startInspectee resolves when Node prints "Debugger listening": the inspector accepts from then on.
    const child = await startInspectee(port);
    const listening = performance.now();
    const at = relay.discovery.slots.some((s) => s.entry?.id === child.id) ? performance.now() : await served(relay, child.id);
    latencies.push(at - listening);
    if (i === RESTARTS - 1) {
      // The last one stays up for the "one live process" figure.
      last = child;
      break;
    }
    await child.kill();
  }
  const idleLive = await idleCpu(IDLE_MS);
  const fullPollLive = await cpuPerFullPoll(relay);
  await last?.kill();
  await relay.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`poll interval ${DEFAULT_POLL_MS} ms, ${PORTS} target ports`);
  console.log(`restart → new id served: p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (${RESTARTS} restarts)`);
  const cost = (measured: number) => `${(measured - baseline).toFixed(2)} %`;
  console.log(`idle polling CPU (above the ${baseline.toFixed(2)} % of an idle process): ${cost(idleEmpty)} of one core with nothing listening, ${cost(idleLive)} with one live process (${IDLE_MS / 1000} s each)`);
  // Idle schedule (discovery.ts): nothing listening, one full poll a second; one live process, one full poll
  // and four polls of its port a second, which cost less than a second full poll: at most two full polls.
  console.log(
    `CPU per full poll of ${PORTS} ports: ${fullPollEmpty.toFixed(0)} µs with nothing listening, ${fullPollLive.toFixed(0)} µs with one live process ` +
      `→ at the idle schedule ${(fullPollEmpty / 1e4).toFixed(2)} % of one core with nothing listening, at most ${((2 * fullPollLive) / 1e4).toFixed(2)} % with one live process`,
  );
  process.exit(0);
}

void main();
