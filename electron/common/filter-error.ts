/** A filter expression that cannot be read; start/end are offsets of the bad token in the expression. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
  constructor(
    /** What is wrong, without the position (the message adds it). */
    readonly reason: string,
    readonly start: number,
    readonly end: number,
    readonly token: string,
  ) {
    super(`${reason} (at column ${start + 1})`);
  }
}

/**
 * Two lines for a terminal: the expression and carets under the bad token, e.g.
 *   host:a hots:b
 *          ^^^^^
 */
export function formatFilterError(text: string, err: FilterError): string {
  const width = Math.max(1, err.end - err.start);
  return `${text}\n${' '.repeat(err.start)}${'^'.repeat(width)}\n${err.message}`;
}
