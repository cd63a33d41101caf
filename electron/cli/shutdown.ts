/**
 * `hindsight serve`'s shutdown under a deadline (issue 16): a close that cannot finish (a store waiting on
 * work that never ends) must not leave a process that printed "Stopping…" and stays. The steps run in
 * order, each naming itself; past the deadline the caller learns which step was under way, says so and exits.
 * Giving up is as safe as a crash: the store's journal and datafile are written for that (store/index.ts).
 */

/** How long `serve` waits for its shutdown after SIGINT/SIGTERM before giving up. */
export const SHUTDOWN_DEADLINE_MS = 8_000;

export type ShutdownOutcome = { done: true } | { done: false; waitingFor: string };

/**
 * Runs `stop`, which reports each step it begins through `step`; resolves when it ends, or after `ms` with
 * the step still under way (the step's own `detail`, asked at that moment, says more when it can).
 */
export async function stopWithin(ms: number, stop: (step: (what: string, detail?: () => string | undefined) => void) => Promise<void>): Promise<ShutdownOutcome> {
  let current = { what: 'the shutdown', detail: undefined as (() => string | undefined) | undefined };
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => {
      const detail = current.detail?.();
      resolve({ done: false, waitingFor: detail ? `${current.what} (${detail})` : current.what });
    }, ms);
  });
  const stopped = stop((what, detail) => (current = { what, detail })).then((): ShutdownOutcome => ({ done: true }));
  try {
    return await Promise.race([stopped, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}
