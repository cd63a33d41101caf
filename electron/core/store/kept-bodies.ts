/**
 * Bodies on disk that belong to stored flows, found without the datafile: the proof that an empty (or
 * missing) flows.db lost its records rather than never had any. A full disk or a crash during a rewrite
 * can leave flows.db at 0 bytes; treating that as an empty store would let the segment sweep delete every
 * body (issue 14, item 6). A deleted flow's body is zeroed at once and its own file removed, so a segment
 * with a non-zero byte, or any large-body file, is a body some lost record pointed to.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface KeptBodies {
  /** Segment files (below the first one this run writes) holding at least one non-zero byte. */
  segments: number;
  /** Large-body files (one per body, in two-character shard folders). */
  files: number;
}

const CHUNK = 1024 * 1024;

function hasData(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return false;
      for (let i = 0; i < n; i++) if (buf[i] !== 0) return true;
    }
  } catch {
    // Unreadable: count it as data, so it is kept.
    return true;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function keptBodies(dir: string, segments: readonly number[], segmentPath: (n: number) => string, below: number): KeptBodies {
  const used = segments.filter((n) => n < below && hasData(segmentPath(n))).length;
  let files = 0;
  let shards: fs.Dirent[] = [];
  try {
    shards = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    // No bodies folder: nothing kept.
  }
  for (const shard of shards) {
    if (!shard.isDirectory() || shard.name.length !== 2) continue;
    try {
      files += fs.readdirSync(path.join(dir, shard.name)).length;
    } catch {
      files++;
    }
  }
  return { segments: used, files };
}
