/**
 * The Reports view's state: which report is shown, what it covers (filter, time window, OpenAPI document,
 * release pattern), the last computed reports, and saving one as HTML. Reports are computed by the core
 * (report.* API methods) from stored summaries; the view asks again when the user refreshes or changes
 * what they cover. The OpenAPI document and release pattern are remembered in localStorage.
 */
import type { ApiClient } from '../../../../electron/common/api';
import type { CoverageQuery, CoverageReport, EndpointReport, ErrorReport, ReportKind } from '../../../../electron/common/report';

export type ReportWindow = 'all' | '1h' | '24h' | '7d';
const WINDOW_MS: Record<ReportWindow, number> = { all: 0, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };
const STORAGE_KEY = 'hindsight.reports';

interface Remembered {
  openapiName?: string;
  openapi?: string;
  releaseFrom?: string;
  baseline?: number;
}

export class ReportsState {
  open = $state(false);
  tab = $state<ReportKind>('endpoints');
  filter = $state('');
  window = $state<ReportWindow>('all');
  /** A device profile's id: only its clients' flows; '' = every client. */
  profile = $state('');
  openapiName = $state<string | null>(null);
  releaseFrom = $state('');
  release = $state('');
  baseline = $state(3);
  /** Compare with every OpenAPI operation instead of earlier releases. */
  baselineOpenapi = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  endpoints = $state.raw<EndpointReport | null>(null);
  errors = $state.raw<ErrorReport | null>(null);
  coverage = $state.raw<CoverageReport | null>(null);
  #openapi: string | undefined;
  #run = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly storage: Storage | undefined,
  ) {
    const saved = this.#load();
    this.openapiName = saved.openapiName ?? null;
    this.#openapi = saved.openapi;
    this.releaseFrom = saved.releaseFrom ?? '';
    this.baseline = saved.baseline ?? 3;
  }

  show(filter: string): void {
    this.filter = filter;
    this.open = true;
    void this.refresh();
  }

  close(): void {
    this.open = false;
  }

  setOpenapi(name: string | null, text?: string): void {
    this.openapiName = name;
    this.#openapi = text;
    this.#save();
    void this.refresh();
  }

  /** What the current settings ask for. */
  query(): CoverageQuery {
    const q: CoverageQuery = {};
    if (this.filter.trim()) q.filter = this.filter.trim();
    if (this.window !== 'all') q.since = Date.now() - WINDOW_MS[this.window];
    if (this.profile) q.profile = this.profile;
    if (this.#openapi) q.openapi = this.#openapi;
    return q;
  }

  coverageQuery(): CoverageQuery {
    const q = this.query();
    if (this.releaseFrom.trim()) q.releaseFrom = this.releaseFrom.trim();
    if (this.release && q.releaseFrom) q.release = this.release;
    if (this.baselineOpenapi && this.#openapi) q.baseline = 'openapi';
    else if (q.releaseFrom) q.baseline = this.baseline;
    return q;
  }

  async refresh(): Promise<void> {
    const run = ++this.#run;
    this.loading = true;
    this.error = null;
    this.#save();
    try {
      const tab = this.tab;
      if (tab === 'endpoints') {
        const r = await this.client.call('report.endpoints', this.query());
        if (run === this.#run) this.endpoints = r;
      } else if (tab === 'errors') {
        const r = await this.client.call('report.errors', this.query());
        if (run === this.#run) this.errors = r;
      } else {
        const r = await this.client.call('report.coverage', this.coverageQuery());
        if (run === this.#run) {
          this.coverage = r;
          if (r.target.release && !this.release) this.release = r.target.release;
        }
      }
    } catch (err) {
      if (run === this.#run) this.error = err instanceof Error ? err.message : String(err);
    } finally {
      if (run === this.#run) this.loading = false;
    }
  }

  /** The shown report as one self-contained HTML file. */
  async html(): Promise<{ html: string; fileName: string }> {
    const q = this.tab === 'coverage' ? this.coverageQuery() : this.query();
    return this.client.call('report.html', { ...q, kind: this.tab });
  }

  #load(): Remembered {
    try {
      return JSON.parse(this.storage?.getItem(STORAGE_KEY) ?? '{}') as Remembered;
    } catch {
      return {};
    }
  }

  #save(): void {
    const data: Remembered = { releaseFrom: this.releaseFrom, baseline: this.baseline };
    if (this.openapiName && this.#openapi) Object.assign(data, { openapiName: this.openapiName, openapi: this.#openapi });
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(data));
    } catch {
      // Storage full or refused (a large document): it is simply not remembered.
    }
  }
}
