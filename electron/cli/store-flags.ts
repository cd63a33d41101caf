/**
 * `--store URL` (or HINDSIGHT_STORE), shared by every command that reads or writes flows: a postgres:// URL
 * puts them in that database (issue 21); without it they stay in the data folder's embedded store.
 * `--keep-flows N` / `--keep-days D` (serve) set the retention.
 */
import { DEFAULT_TRIM_COUNT } from '../core/store';
import { isPostgresUrl, redactUrl } from '../core/store/pg/pg-db';
import type { CliOutput } from './args';

export const STORE_FLAG = { store: { type: 'string' } } as const;

export const STORE_USAGE = `  --store URL     the team store: postgres://user@host/db (default: HINDSIGHT_STORE, else the data folder)`;

/** The store URL from the flag or the environment; undefined for the embedded store. Throws on a bad one. */
export function storeUrlOf(flag: string | undefined, env: Record<string, string | undefined> = process.env): string | undefined {
  const value = flag ?? (env.HINDSIGHT_STORE?.trim() || undefined);
  if (value === undefined) return undefined;
  if (!isPostgresUrl(value)) throw new Error(`--store expects a postgres:// URL, got '${redactUrl(value)}' (the embedded store is chosen with --data)`);
  return value;
}

/** A command's --store: `{ url }` (undefined for the embedded store), or exit code 2 after a one-line error. */
export function commandStoreUrl(command: string, flag: string | undefined, out: CliOutput): { url: string | undefined } | number {
  try {
    return { url: storeUrlOf(flag) };
  } catch (err) {
    out.stderr.write(`hindsight ${command}: ${(err as Error).message}\n`);
    return 2;
  }
}

/** A whole positive number for --keep-flows. */
export function keepFlowsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw new Error(`--keep-flows expects a whole number of flows (at least 1), got '${text}'`);
  return Number(text);
}

/** A positive number of days (fractions allowed) for --keep-days. */
export function keepDaysOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0)) throw new Error(`--keep-days expects a number of days above 0, got '${text}'`);
  return Number(text);
}

/**
 * The trim for `--keep-flows N`: at most N unpinned flows, trimming by a sixth of N at a time (the default
 * policy's ratio: 10,000 above 60,000), so a small cap does not empty the store in one trim.
 */
export function retentionOf(keepFlows: number | undefined, keepDays: number | undefined): { maxFlows?: number; trimCount?: number; keepDays?: number } {
  const out: { maxFlows?: number; trimCount?: number; keepDays?: number } = {};
  if (keepFlows !== undefined) {
    out.maxFlows = keepFlows;
    out.trimCount = Math.max(1, Math.min(DEFAULT_TRIM_COUNT, Math.ceil(keepFlows / 6)));
  }
  if (keepDays !== undefined) out.keepDays = keepDays;
  return out;
}
