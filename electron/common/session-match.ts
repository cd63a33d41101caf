/**
 * Pairing the exchanges of two sessions (`hindsight diff A B`): exchanges with the same key (method, exact
 * path — not the route template, see session-endpoint.ts — and request-body fingerprint) pair up in order:
 * the first in A with the first in B, the second with the second, so a session that repeats a request
 * compares each repetition with its counterpart. What is left over is removed (only in A) or added (only in B).
 */

export interface SessionMatch {
  /** Index in A, index in B; in A's order. */
  pairs: [number, number][];
  /** Indexes in A with no counterpart in B. */
  removed: number[];
  /** Indexes in B with no counterpart in A, in B's order. */
  added: number[];
}

export function matchInOrder(a: readonly string[], b: readonly string[]): SessionMatch {
  const waiting = new Map<string, number[]>();
  b.forEach((key, i) => {
    const list = waiting.get(key);
    if (list) list.push(i);
    else waiting.set(key, [i]);
  });
  const pairs: [number, number][] = [];
  const removed: number[] = [];
  const used = new Set<number>();
  a.forEach((key, i) => {
    const j = waiting.get(key)?.shift();
    if (j === undefined) removed.push(i);
    else {
      pairs.push([i, j]);
      used.add(j);
    }
  });
  const added = b.map((_, j) => j).filter((j) => !used.has(j));
  return { pairs, removed, added };
}
