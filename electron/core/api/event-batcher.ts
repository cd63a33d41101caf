/**
 * Turns the core's events into ApiEventBatch messages. Live flow events are merged in one place, the store
 * (its added/updated sets, sent every 50 ms with the write batch: docs/ARCHITECTURE.md, "Live events"), so
 * by default this passes them through: what one store flush fires (adds, updates, the status that follows)
 * leaves as one message on the next turn, without a second merge window. A caller may still ask for an
 * interval (`flushMs`), and then a batch waits at most that long.
 *
 * Within a pending batch events are coalesced without changing what a client ends up seeing:
 * - consecutive flows/add (and flows/update, flows/remove) events become one;
 * - an update of a flow already pending in this batch replaces that summary in place (a summary is the
 *   flow's whole current state, so the older one carries nothing the newer lacks) unless the flow was
 *   removed in between;
 * - only the newest status/changed is kept (it, too, is whole state).
 */
import type { ApiEventBatch, ApiEvents, Status, TrimInfo } from '../../common/api';
import type { Disposable } from '../../common/events';
import type { FlowSummary } from '../../common/flow';
import type { AnyCore } from '../core-types';

/** 0: send on the next turn, grouping only what fired in the same turn. */
export const DEFAULT_FLUSH_MS = 0;

export type EventSource = Pick<AnyCore, 'onDidChangeStatus'> & {
  store: Pick<AnyCore['store'], 'onDidAdd' | 'onDidUpdate' | 'onDidRemove' | 'onDidTrim'>;
  /** Rules events (rules/changed, breakpoints/paused, breakpoints/resumed); absent in cores without rules. */
  rules?: { store: Pick<AnyCore['rules']['store'], 'onDidChange'>; breakpoints: Pick<AnyCore['rules']['breakpoints'], 'onDidPause' | 'onDidResume'> };
};

type PendingEvent = { [E in keyof ApiEvents]: { name: E; data: ApiEvents[E] } }[keyof ApiEvents];

export class EventBatcher implements Disposable {
  private events: PendingEvent[] = [];
  /** Where each flow pending in this batch sits, so an update can replace it in place. */
  private positions = new Map<string, { list: FlowSummary[]; index: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = 0;
  private disposed = false;
  private readonly subscriptions: Disposable[];

  constructor(
    source: EventSource,
    private readonly send: (batch: ApiEventBatch) => void,
    private readonly intervalMs = DEFAULT_FLUSH_MS,
  ) {
    this.subscriptions = [
      source.store.onDidAdd((flows) => this.add(flows)),
      source.store.onDidUpdate((flows) => this.update(flows)),
      source.store.onDidRemove((removed) => this.remove(removed)),
      source.store.onDidTrim((info) => this.trimmed(info)),
      source.onDidChangeStatus((status) => this.status(status)),
    ];
    if (source.rules) {
      this.subscriptions.push(
        source.rules.store.onDidChange((state) => this.publish('rules/changed', state)),
        source.rules.breakpoints.onDidPause((info) => this.publish('breakpoints/paused', info)),
        source.rules.breakpoints.onDidResume((info) => this.publish('breakpoints/resumed', info)),
      );
    }
  }

  private last(): PendingEvent | undefined {
    return this.events[this.events.length - 1];
  }

  private add(flows: FlowSummary[]): void {
    if (flows.length === 0) return;
    const last = this.last();
    let list: FlowSummary[];
    if (last?.name === 'flows/add') list = last.data;
    else this.events.push({ name: 'flows/add', data: (list = []) });
    for (const flow of flows) {
      this.positions.set(flow.id, { list, index: list.length });
      list.push(flow);
    }
    this.schedule();
  }

  private update(flows: FlowSummary[]): void {
    if (flows.length === 0) return;
    const last = this.last();
    let list: FlowSummary[] | undefined = last?.name === 'flows/update' ? last.data : undefined;
    for (const flow of flows) {
      const at = this.positions.get(flow.id);
      if (at) {
        at.list[at.index] = flow;
        continue;
      }
      if (!list) this.events.push({ name: 'flows/update', data: (list = []) });
      this.positions.set(flow.id, { list, index: list.length });
      list.push(flow);
    }
    this.schedule();
  }

  private remove(removed: ApiEvents['flows/remove']): void {
    if (removed.all) this.positions.clear();
    else for (const id of removed.ids) this.positions.delete(id);
    const last = this.last();
    if (last?.name === 'flows/remove' && !last.data.all && !removed.all) {
      last.data.ids.push(...removed.ids);
    } else {
      this.events.push({ name: 'flows/remove', data: { ...removed, ids: [...removed.ids] } });
    }
    this.schedule();
  }

  private trimmed(info: TrimInfo): void {
    this.publish('store/trimmed', info);
  }

  /** Queues an event from outside the core (the desktop shell's lan/refused, sysproxy/changed). */
  publish<E extends keyof ApiEvents>(name: E, data: ApiEvents[E]): void {
    if (name === 'flows/add') return this.add(data as FlowSummary[]);
    if (name === 'flows/update') return this.update(data as FlowSummary[]);
    if (name === 'flows/remove') return this.remove(data as ApiEvents['flows/remove']);
    if (name === 'status/changed') return this.status(data as Status);
    // Whole state, like status: only the newest counts.
    if (name === 'rules/changed') this.events = this.events.filter((e) => e.name !== 'rules/changed');
    this.events.push({ name, data } as PendingEvent);
    this.schedule();
  }

  private status(status: Status): void {
    this.events = this.events.filter((e) => e.name !== 'status/changed');
    this.events.push({ name: 'status/changed', data: status });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is pending now (also used on dispose so nothing captured is silently dropped). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.events.length === 0) return;
    const batch: ApiEventBatch = { events: this.events };
    this.events = [];
    this.positions.clear();
    this.lastFlush = Date.now();
    this.send(batch);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const s of this.subscriptions) s.dispose();
    this.flush();
    this.disposed = true;
  }
}
