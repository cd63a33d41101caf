/**
 * `serve --log`: a line is written per recorded flow, and an exchange the store sheds because its disk fell
 * behind (admit(), counted as `dropped`) is forwarded without being recorded, so it gets no line. A service
 * owner reading the log would not know lines are missing; this says so on stderr, at most once per interval
 * and once more at shutdown, with the count since the last report.
 */
export interface ShedReport {
  /** Reports what was shed since the last report, if anything. */
  check(): void;
  /** Stops the timer and reports what is left. */
  stop(): void;
}

export const SHED_REPORT_INTERVAL_MS = 10_000;

export function reportShedExchanges(dropped: () => number, say: (line: string) => void, intervalMs = SHED_REPORT_INTERVAL_MS): ShedReport {
  let reported = dropped();
  const check = () => {
    const now = dropped();
    if (now <= reported) return;
    say(`hindsight serve: log: ${now - reported} exchanges were forwarded without a log line: the store's disk fell behind, so they were not recorded (the status's "dropped" counts them)`);
    reported = now;
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    check,
    stop: () => {
      clearInterval(timer);
      check();
    },
  };
}
