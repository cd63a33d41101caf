/**
 * What `GET /metrics` and `GET /healthz` report (issue 21, "operate it"), counted as the proxy finishes
 * flows; the gauges (open connections, store write lag, rule hits) are read from their owners when asked.
 * Rendered in the Prometheus text exposition format 0.0.4 by prometheus-text.ts.
 */
import type { Flow } from '../../common/flow';

export interface MetricSources {
  /** The proxy port's open client connections. */
  openConnections(): number;
  /** Whether the proxy port is listening. */
  listening(): boolean;
  /** Flows stored now. */
  stored(): number;
  /** The oldest unwritten change's age in ms (0: none), when the store can tell. */
  storeWriteLagMs(): number | undefined;
  /** Whether the store can take writes (open, writer alive). */
  storeHealthy(): { ok: boolean; problem?: string };
  /** Each rule's hits since it was last saved. */
  ruleHits(): { id: string; name: string; hits: number }[];
  /** Exchanges forwarded unrecorded because the store was behind, since start. */
  dropped(): number;
  /** Flows trimmed whose removal from the disk is not finished (0 when the store cannot tell). */
  trimmedUnremoved(): number;
}

export class CoreMetrics {
  private captured = 0;
  private readonly failures = new Map<string, number>();
  private sources: MetricSources | undefined;
  readonly startedAt = Date.now();

  /** Called by the capture proxy for every finished flow (completed or failed). */
  flowFinished(flow: Flow): void {
    this.captured++;
    if (flow.error) this.failures.set(flow.error.phase, (this.failures.get(flow.error.phase) ?? 0) + 1);
  }

  /** The core hands over the gauges once its parts exist. */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  snapshot(): MetricsSnapshot {
    const s = this.sources;
    return {
      flowsCaptured: this.captured,
      failuresByPhase: Object.fromEntries([...this.failures].sort(([a], [b]) => a.localeCompare(b))),
      openConnections: s?.openConnections() ?? 0,
      stored: s?.stored() ?? 0,
      storeWriteLagSeconds: (s?.storeWriteLagMs() ?? 0) / 1000,
      ruleHits: s?.ruleHits() ?? [],
      flowsDropped: s?.dropped() ?? 0,
      trimmedUnremoved: s?.trimmedUnremoved() ?? 0,
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
    };
  }

  /** What /healthz answers: ok only when the store takes writes and the proxy listens. */
  health(): Health {
    const store = this.sources?.storeHealthy() ?? { ok: false, problem: 'not started' };
    const proxy = this.sources?.listening() ?? false;
    return { ok: store.ok && proxy, store: store.ok ? 'ok' : 'failing', proxy: proxy ? 'listening' : 'stopped', ...(store.problem ? { problem: store.problem } : {}) };
  }
}

export interface MetricsSnapshot {
  flowsCaptured: number;
  failuresByPhase: Record<string, number>;
  openConnections: number;
  stored: number;
  storeWriteLagSeconds: number;
  ruleHits: { id: string; name: string; hits: number }[];
  flowsDropped: number;
  trimmedUnremoved: number;
  uptimeSeconds: number;
}

export interface Health {
  ok: boolean;
  store: 'ok' | 'failing';
  proxy: 'listening' | 'stopped';
  problem?: string;
}
