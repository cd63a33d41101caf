/**
 * Times on the command line (`--since`, `--until`): an ISO date or date-time (`2026-12-04`,
 * `2026-12-04T09:00Z`; without a zone it is local time, as `date` prints it), epoch milliseconds, or a
 * duration back from now (`90s`, `30m`, `2h`, `7d`).
 */
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Epoch ms; throws an Error saying what forms are accepted. */
export function parseTimeArg(flag: string, text: string, now = Date.now()): number {
  const trimmed = text.trim();
  const relative = /^(\d+(?:\.\d+)?)([smhd])$/.exec(trimmed);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]];
  if (/^\d{10,}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00` : trimmed);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new Error(`${flag} expects a date or time (2026-12-04, 2026-12-04T09:00Z), epoch milliseconds or a duration ago (30m, 2h, 7d), got '${text}'`);
}

/**
 * A since/until window (`hindsight report`'s flags, the MCP report tools' arguments): each end parsed by
 * parseTimeArg, named in errors as `name(end)` ('--since' on the command line, 'since' for a tool), and the
 * two checked to be in order.
 */
export function parseTimeWindow(texts: { since?: string; until?: string }, name: (end: 'since' | 'until') => string, now = Date.now()): { since?: number; until?: number } {
  const window: { since?: number; until?: number } = {};
  if (texts.since !== undefined) window.since = parseTimeArg(name('since'), texts.since, now);
  if (texts.until !== undefined) window.until = parseTimeArg(name('until'), texts.until, now);
  if (window.since !== undefined && window.until !== undefined && window.since >= window.until) throw new Error(`${name('since')} must be before ${name('until')}`);
  return window;
}
