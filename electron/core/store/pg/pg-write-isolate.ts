/**
 * A batch PostgreSQL refuses because of what one flow holds (issue 21): a NUL character in a string (jsonb:
 * "unsupported Unicode escape sequence", 22P05), an unpaired surrogate (jsonb: 22P02), a value past a limit
 * (an index entry over 2,704 bytes: a path of a few KB of random characters, 54000), a constraint. Retried
 * as it was, such a batch fails the same way for ever and holds every flow recorded after it. So a data
 * error is told apart from a lost connection or a server restarting (those keep the batch and retry it
 * whole, pg-store.ts): the batch is written again with its text made storable (NUL and unpaired surrogates
 * become U+FFFD in the flow's JSON; bodies and message payloads are bytea and go unchanged), and while that
 * is still refused it is split in halves until the flows at fault are alone. Those are set aside — the store
 * counts and names them — and the rest is written. k flows at fault among n cost about k·log2(n) more
 * transactions; the common case (NULs only) costs one.
 */
import type pg from 'pg';
import { pgClient } from './pg-db';
import type { BodyRow } from './pg-bodies';
import type { MessageRow } from './pg-messages';
import type { BatchResult, PendingFlow } from './pg-write';

/** What one flush writes in one transaction (pg-write.ts writeBatch's arguments). */
export interface WriteParts {
  flows: PendingFlow[];
  bodies: BodyRow[];
  messages: MessageRow[];
}

export interface IsolatedWrite {
  /** Everything the committed transactions wrote, merged. */
  written: BatchResult;
  /** Parts written or set aside: no longer waiting (the originals, as given). */
  done: WriteParts;
  /** Flows written with unstorable characters replaced (in the flow or in its messages' metadata). */
  repaired: string[];
  /** Flows refused even so, never written, with the database's message. */
  setAside: { id: string; reason: string }[];
  /** Set when the database failed in another way (connection lost): `unwritten` waits for a retry. */
  error?: unknown;
  unwritten: WriteParts;
}

/**
 * SQLSTATE classes caused by the values written, not by the connection or the server's state: 22 data
 * exception, 23 integrity constraint violation, 54 program limit exceeded. Class 53 (disk full, out of
 * memory) and 57/08 (shutdown, connection) are the server's state: retried, never set aside.
 */
const DATA_ERROR_CLASSES = new Set(['22', '23', '54']);

/** True when PostgreSQL refused a statement for the values it carried (retrying the same values fails again). */
export function isDataError(err: unknown): err is pg.DatabaseError {
  return err instanceof pgClient().DatabaseError && typeof err.code === 'string' && DATA_ERROR_CLASSES.has(err.code.slice(0, 2));
}

/** One flow's share of a batch: the flow (absent when only its bodies or messages came since) and its rows. */
interface Unit {
  id: string;
  original: WriteParts;
  /** The same with text made storable; `original` itself when nothing needed it. */
  storable: WriteParts;
}

/**
 * Writes `parts`, already refused with `refused` (a data error), as described above; `write` is one
 * transaction (pg-store.ts writeAll). Never throws: a failure other than a data error ends it with `error`.
 */
export async function writeIsolating(parts: WriteParts, refused: pg.DatabaseError, write: (parts: WriteParts) => Promise<BatchResult>): Promise<IsolatedWrite> {
  const out: IsolatedWrite = {
    written: { added: [], updated: [], revs: [], inserted: 0 },
    done: emptyParts(),
    repaired: [],
    setAside: [],
    unwritten: emptyParts(),
  };
  const units = unitsOf(parts);
  if (units.length === 0) return out;
  const queue: Unit[][] = [];
  /** A group refused for its data: its halves are tried next; a flow alone is set aside. */
  const refuse = (group: Unit[], err: pg.DatabaseError) => {
    if (group.length > 1) queue.unshift(group.slice(0, group.length >> 1), group.slice(group.length >> 1));
    else {
      out.setAside.push({ id: group[0].id, reason: err.message });
      addParts(out.done, group[0].original);
    }
  };
  // The batch as it was has failed: first the whole of it made storable, or its halves when nothing changed.
  if (units.some((u) => u.storable !== u.original)) queue.push(units);
  else refuse(units, refused);
  while (queue.length > 0) {
    const group = queue.shift()!;
    try {
      mergeResult(out.written, await write(partsOf(group.map((u) => u.storable))));
    } catch (err) {
      if (isDataError(err)) {
        refuse(group, err);
        continue;
      }
      out.error = err;
      for (const u of [group, ...queue].flat()) addParts(out.unwritten, u.original);
      break;
    }
    for (const u of group) {
      addParts(out.done, u.original);
      if (u.storable !== u.original) out.repaired.push(u.id);
    }
  }
  return out;
}

/** The batch grouped by flow, in the batch's order: a flow goes with its own bodies and messages. */
function unitsOf(parts: WriteParts): Unit[] {
  const byId = new Map<string, WriteParts>();
  const of = (id: string) => {
    let p = byId.get(id);
    if (!p) byId.set(id, (p = emptyParts()));
    return p;
  };
  for (const f of parts.flows) of(f.flow.id).flows.push(f);
  for (const b of parts.bodies) of(b.flowId).bodies.push(b);
  for (const m of parts.messages) of(m.flowId).messages.push(m);
  return [...byId].map(([id, original]) => ({ id, original, storable: storableParts(original) }));
}

function storableParts(parts: WriteParts): WriteParts {
  let changed = false;
  const flows = parts.flows.map((p) => {
    const flow = storable(p.flow);
    if (flow === p.flow) return p;
    changed = true;
    return { ...p, flow };
  });
  const messages = parts.messages.map((m) => {
    const meta = storable(m.meta);
    if (meta === m.meta) return m;
    changed = true;
    return { ...m, meta };
  });
  return changed ? { flows, bodies: parts.bodies, messages } : parts;
}

/** A NUL, or a surrogate without its other half: PostgreSQL's text and jsonb cannot hold either. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_UNSTORABLE = new RegExp(UNSTORABLE.source);

/**
 * `value` (plain data: objects, arrays, strings, numbers) with every unstorable character in its strings and
 * keys replaced by U+FFFD, as a UTF-8 decoder marks what it cannot read. The same object when none had any.
 */
export function storable<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return HAS_UNSTORABLE.test(value) ? value.replace(UNSTORABLE, '\ufffd') : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const c = clean(value[i]);
      if (c !== value[i]) (copy ??= value.slice())[i] = c;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, v]) => {
    const k = clean(key) as string;
    const c = clean(v);
    if (k !== key || c !== v) changed = true;
    return [k, c];
  });
  return changed ? Object.fromEntries(entries) : value;
}

function emptyParts(): WriteParts {
  return { flows: [], bodies: [], messages: [] };
}

function addParts(to: WriteParts, from: WriteParts): void {
  to.flows.push(...from.flows);
  to.bodies.push(...from.bodies);
  to.messages.push(...from.messages);
}

function partsOf(list: WriteParts[]): WriteParts {
  const parts = emptyParts();
  for (const p of list) addParts(parts, p);
  return parts;
}

function mergeResult(to: BatchResult, from: BatchResult): void {
  to.added.push(...from.added);
  to.updated.push(...from.updated);
  to.revs.push(...from.revs);
  to.inserted += from.inserted;
}
