/**
 * The store's small state beside the datafile: the last trim (the UI shows it after a restart too) and the
 * seq high-water mark. Seqs are reserved in blocks ahead of use, so the file is written rarely and a restart,
 * even after kill -9 or after every flow was trimmed, never hands out a seq twice.
 */
import fs from 'node:fs';
import type { TrimInfo } from '../../common/api';
import { PRIVATE_FILE_MODE } from '../private-files';

export interface StoreMeta {
  /** Flows removed by trims since the store was created. */
  removedTotal: number;
  lastTrim?: TrimInfo;
  /** Every seq up to this one may have been used. */
  seqReserved: number;
}

export const META_VERSION = 1;

export function readMeta(file: string): StoreMeta {
  const meta: StoreMeta = { removedTotal: 0, seqReserved: 0 };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // Missing (first run) or unreadable: the datafile still holds every flow; only the counters restart.
    return meta;
  }
  if (typeof raw !== 'object' || raw === null) return meta;
  const r = raw as Record<string, unknown>;
  if (isCount(r.removedTotal)) meta.removedTotal = r.removedTotal;
  if (isCount(r.seqReserved)) meta.seqReserved = r.seqReserved;
  const t = r.lastTrim as Record<string, unknown> | undefined;
  if (t && isCount(t.at) && isCount(t.removed) && isCount(t.removedTotal)) {
    meta.lastTrim = { at: t.at, removed: t.removed, removedTotal: t.removedTotal };
  }
  return meta;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Writes the meta file atomically (temp file + rename), one write at a time, the latest value winning. */
export class MetaWriter {
  private queued: StoreMeta | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void,
  ) {}

  save(meta: StoreMeta): void {
    this.queued = { ...meta };
    this.running ??= this.drain();
  }

  /** Resolves when every save so far is on disk. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const meta = this.queued;
      this.queued = undefined;
      const tmp = `${this.file}.tmp`;
      try {
        await fs.promises.writeFile(tmp, JSON.stringify({ version: META_VERSION, ...meta }) + '\n', { mode: PRIVATE_FILE_MODE });
        await fs.promises.rename(tmp, this.file);
      } catch (err) {
        this.onError(`The flow store's state file could not be written (${(err as Error).message}).`);
      }
    }
    this.running = undefined;
  }
}
