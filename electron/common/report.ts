/**
 * The reports' plain data (electron/core/report computes them from stored flow summaries, never bodies):
 * per-endpoint statistics, errors grouped by endpoint and status, and endpoint coverage of a release
 * against a baseline. The API (report.*), the CLI (`hindsight report`) and the Reports view share them.
 */
import type { Platform } from './release';

/** Which flows a report covers, as the API and the CLI take it. */
export interface ReportQuery {
  /** Filter language expression; empty = all. */
  filter?: string;
  /** Epoch ms: only flows started at or after / before this time. */
  since?: number;
  until?: number;
  /** An OpenAPI 3 document's text (YAML or JSON): its path templates and operation names win. */
  openapi?: string;
  /** Only flows from the clients of this device profile (its id, or its name ignoring case). */
  profile?: string;
}

export interface CoverageQuery extends ReportQuery {
  /** Release pattern (electron/common/release.ts): `ua:/MyApp\/(\d+\.\d+)/` or `header:X-App-Version`. */
  releaseFrom?: string;
  /** The release under test; default the newest one seen. */
  release?: string;
  /**
   * What the target is compared with: the endpoints of the previous N releases (a number, default 3), or
   * every operation of the OpenAPI document ('openapi', the default when a document is given and no
   * release pattern). Without either, the baseline is every stored flow outside the target's filter/window.
   */
  baseline?: number | 'openapi';
}

export interface StatusShares {
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
  /** No response: the exchange failed (DNS, connect, TLS, timeout, client abort…). */
  failed: number;
}

export interface EndpointStats {
  method: string;
  host: string;
  /** Route template: `/users/{id}` (guessed, or the OpenAPI document's path). */
  route: string;
  /** OpenAPI operationId, when a document was given and names this endpoint. */
  operation?: string;
  count: number;
  /** Flows per status class (counts; divide by `count` for shares). */
  statuses: StatusShares;
  /** 4xx + 5xx + failed, over count. */
  errorRate: number;
  latencyMs: { p50: number | null; p95: number | null; max: number | null };
  requestBytes: number;
  responseBytes: number;
  firstSeen: number;
  lastSeen: number;
  /** Client IPs seen, sorted. */
  clients: string[];
  /** Device profiles whose clients sent these requests, sorted. */
  profiles: string[];
  platforms: Platform[];
}

export interface EndpointReport {
  kind: 'endpoints';
  generatedAt: number;
  /** Flows the report read (finished ones matching the query). */
  flows: number;
  /** The OpenAPI document's title, when one was given. */
  openapi?: string;
  endpoints: EndpointStats[];
}

export interface ErrorGroup {
  method: string;
  host: string;
  route: string;
  operation?: string;
  /** The HTTP status, or null for failed exchanges. */
  status: number | null;
  /** For failed exchanges: the most recent error message. */
  error?: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The newest few flow ids (open them in the UI: `#flow=ID`, or `hindsight export --filter id:ID`). */
  examples: string[];
}

export interface ErrorReport {
  kind: 'errors';
  generatedAt: number;
  flows: number;
  /** Flows with a 4xx/5xx or failed. */
  errors: number;
  openapi?: string;
  groups: ErrorGroup[];
}

export interface CoverageCount {
  covered: number;
  total: number;
}

export interface UncoveredEndpoint {
  method: string;
  host: string;
  route: string;
  operation?: string;
  /** Platforms whose baseline saw this endpoint and whose target did not. */
  platforms: Platform[];
  /** Last time the baseline saw it (null for an OpenAPI operation never seen). */
  lastSeen: number | null;
  /** The newest baseline release that used it (release baselines only). */
  lastRelease?: string;
}

export interface CoverageReport {
  kind: 'coverage';
  generatedAt: number;
  /** What was compared with what, in words ("release 2.1 against releases 1.9, 2.0"). */
  target: { description: string; release?: string; flows: number };
  baseline: { description: string; releases?: string[]; flows: number };
  /** Releases seen in the flows (newest last), when a release pattern was given. */
  releases?: string[];
  openapi?: string;
  total: CoverageCount;
  platforms: Record<Platform, CoverageCount>;
  uncovered: UncoveredEndpoint[];
}

export type Report = EndpointReport | ErrorReport | CoverageReport;
export type ReportKind = Report['kind'];
export const REPORT_KINDS: readonly ReportKind[] = ['endpoints', 'errors', 'coverage'];
