/**
 * The report as one self-contained HTML file to hand to a team: inline CSS and SVG charts, no script, no
 * network (a Content-Security-Policy forbids every fetch), light and dark by the reader's setting. Every
 * value from the network is escaped.
 */
import { PLATFORM_NAMES, PLATFORMS } from '../../common/release';
import type { CoverageCount, CoverageReport, EndpointReport, ErrorReport, Report, StatusShares } from '../../common/report';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const iso = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
const ms = (n: number | null) => (n === null ? '–' : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`);
const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

const STYLE = `
:root { color-scheme: light dark; --fg:#1d2330; --muted:#5d6678; --bg:#fff; --panel:#f4f6fa; --line:#dde2ea; --track:#e6e9ef;
  --s2:#2f9e5b; --s3:#4a7fd4; --s4:#e0912b; --s5:#d8434b; --sf:#7b4fc9; --s1:#8a94a6; --accent:#3b6fd1; }
@media (prefers-color-scheme: dark) { :root { --fg:#e3e7ef; --muted:#9aa4b6; --bg:#161a22; --panel:#1f2530; --line:#303846; --track:#2b3240; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 24px 0 8px; }
.meta { color: var(--muted); margin-bottom: 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 140px; }
.card b { display: block; font-size: 20px; } .card span { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 6px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { color: var(--muted); font-weight: 600; font-size: 12px; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.route { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
td.ep { min-width: 180px; } td.when { white-space: normal; min-width: 84px; }
.scroll { overflow-x: auto; }
.host, .op { color: var(--muted); font-size: 12px; }
.m { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; font-size: 12px; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; color: #fff; font-weight: 600; font-size: 12px; }
.legend { display: flex; gap: 14px; color: var(--muted); margin: 6px 0 10px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
svg { display: block; }
.cov { display: grid; grid-template-columns: 90px 1fr 110px; gap: 8px 12px; align-items: center; max-width: 720px; }
`;

const STATUS_COLORS: [keyof StatusShares, string][] = [
  ['2xx', 'var(--s2)'],
  ['3xx', 'var(--s3)'],
  ['4xx', 'var(--s4)'],
  ['5xx', 'var(--s5)'],
  ['failed', 'var(--sf)'],
  ['1xx', 'var(--s1)'],
];

function statusColor(status: number | null): string {
  if (status === null) return 'var(--sf)';
  return status >= 500 ? 'var(--s5)' : status >= 400 ? 'var(--s4)' : 'var(--s3)';
}

/** A horizontal bar: `fraction` of `width` filled, on a track. */
function bar(fraction: number, color: string, width = 120): string {
  const w = Math.max(0, Math.min(1, fraction)) * width;
  return `<svg width="${width}" height="10" role="img" aria-label="${percent(fraction)}"><rect width="${width}" height="10" rx="2" fill="var(--track)"/><rect width="${w.toFixed(1)}" height="10" rx="2" fill="${color}"/></svg>`;
}

/** The share of each status class as one stacked bar. */
function statusBar(statuses: StatusShares, count: number, width = 110): string {
  let x = 0;
  const parts = STATUS_COLORS.filter(([k]) => statuses[k] > 0).map(([k, color]) => {
    const w = (statuses[k] / count) * width;
    const rect = `<rect x="${x.toFixed(1)}" width="${w.toFixed(1)}" height="10" fill="${color}"><title>${k}: ${statuses[k]}</title></rect>`;
    x += w;
    return rect;
  });
  return `<svg width="${width}" height="10" role="img" aria-label="status mix"><rect width="${width}" height="10" rx="2" fill="var(--track)"/>${parts.join('')}</svg>`;
}

function endpointCell(e: { method: string; host: string; route: string; operation?: string }): string {
  return `<span class="m">${escape(e.method)}</span> <span class="route">${escape(e.route)}</span>${e.host ? ` <span class="host">${escape(e.host)}</span>` : ''}${
    e.operation ? `<div class="op">${escape(e.operation)}</div>` : ''
  }`;
}

const legend = () =>
  `<div class="legend">${STATUS_COLORS.map(([k, color]) => `<span><i style="background:${color}"></i>${k}</span>`).join('')}</div>`;

function endpointsBody(report: EndpointReport): string {
  const errorFlows = report.endpoints.reduce((n, e) => n + e.statuses['4xx'] + e.statuses['5xx'] + e.statuses.failed, 0);
  const maxP95 = Math.max(1, ...report.endpoints.map((e) => e.latencyMs.p95 ?? 0));
  const rows = report.endpoints
    .map(
      (e) => `<tr><td class="ep">${endpointCell(e)}</td><td class="n">${e.count}</td><td>${statusBar(e.statuses, e.count)}</td>
<td class="n">${bar(e.errorRate, 'var(--s5)', 64)}</td><td class="n">${percent(e.errorRate)}</td>
<td class="n">${ms(e.latencyMs.p50)}</td><td class="n">${bar((e.latencyMs.p95 ?? 0) / maxP95, 'var(--accent)', 64)}</td><td class="n">${ms(e.latencyMs.p95)}</td><td class="n">${ms(e.latencyMs.max)}</td>
<td class="n">${bytes(e.requestBytes)} / ${bytes(e.responseBytes)}</td><td class="n when">${escape(iso(e.lastSeen))}</td></tr>`,
    )
    .join('\n');
  return `<div class="cards"><div class="card"><b>${report.endpoints.length}</b><span>endpoints</span></div><div class="card"><b>${report.flows}</b><span>flows</span></div>
<div class="card"><b>${errorFlows}</b><span>4xx / 5xx / failed</span></div></div>
<h2>Endpoints</h2>${legend()}
<div class="scroll"><table><thead><tr><th>Endpoint</th><th class="n">Count</th><th>Status mix</th><th class="n" colspan="2">Error rate</th><th class="n">p50</th><th class="n" colspan="2">p95</th><th class="n">Max</th><th class="n">Req / resp</th><th class="n">Last seen</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

function errorsBody(report: ErrorReport): string {
  const max = Math.max(1, ...report.groups.map((g) => g.count));
  const rows = report.groups
    .map(
      (g) => `<tr><td class="ep">${endpointCell(g)}</td><td><span class="badge" style="background:${statusColor(g.status)}">${g.status ?? 'failed'}</span>${
        g.error ? ` <span class="host">${escape(g.error)}</span>` : ''
      }</td><td class="n">${bar(g.count / max, statusColor(g.status), 100)}</td><td class="n">${g.count}</td><td class="n when">${escape(iso(g.firstSeen))}</td><td class="n when">${escape(iso(g.lastSeen))}</td>
<td>${g.examples.map((id) => `<code>${escape(id)}</code>`).join(' ')}</td></tr>`,
    )
    .join('\n');
  return `<div class="cards"><div class="card"><b>${report.errors}</b><span>failed or 4xx/5xx flows</span></div><div class="card"><b>${report.flows}</b><span>flows read</span></div>
<div class="card"><b>${report.groups.length}</b><span>groups</span></div></div>
<h2>Errors by endpoint and status</h2>
<p class="meta">Open an example in Hindsight: filter <code>id:FLOW-ID</code>, or <code>hindsight export --filter id:FLOW-ID --format har</code>.</p>
<div class="scroll"><table><thead><tr><th>Endpoint</th><th>Status</th><th class="n" colspan="2">Count</th><th class="n">First seen</th><th class="n">Last seen</th><th>Examples (newest first)</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

function coverageRow(name: string, c: CoverageCount): string {
  const fraction = c.total ? c.covered / c.total : 0;
  return `<div>${escape(name)}</div><div>${bar(fraction, 'var(--s2)', 480)}</div><div class="n">${c.covered} / ${c.total} ${c.total ? `(${Math.round(fraction * 100)}%)` : ''}</div>`;
}

function coverageBody(report: CoverageReport): string {
  const rows = report.uncovered
    .map(
      (u) => `<tr><td class="ep">${endpointCell(u)}</td><td>${u.platforms.map((p) => PLATFORM_NAMES[p]).join(', ')}</td><td class="n">${escape(iso(u.lastSeen))}</td><td>${escape(u.lastRelease ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<p class="meta">Target: ${escape(report.target.description)} — ${report.target.flows} flows.<br>Baseline: ${escape(report.baseline.description)} — ${report.baseline.flows} flows.${
    report.releases ? `<br>Releases seen: ${escape(report.releases.join(', '))}` : ''
  }</p>
<h2>Covered endpoints</h2>
<div class="cov">${coverageRow('Total', report.total)}${PLATFORMS.map((p) => coverageRow(PLATFORM_NAMES[p], report.platforms[p])).join('')}</div>
<h2>Not covered (${report.uncovered.length})</h2>
${report.uncovered.length ? `<table><thead><tr><th>Endpoint</th><th>Missing on</th><th class="n">Last seen in baseline</th><th>Last release</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>Every baseline endpoint was exercised.</p>'}`;
}

const TITLES: Record<Report['kind'], string> = { endpoints: 'Endpoint report', errors: 'Error report', coverage: 'Coverage report' };

export function reportHtml(report: Report, options: { version?: string; subtitle?: string } = {}): string {
  const body = report.kind === 'endpoints' ? endpointsBody(report) : report.kind === 'errors' ? errorsBody(report) : coverageBody(report);
  const meta = [`Generated ${iso(report.generatedAt)} by Hindsight${options.version ? ` ${options.version}` : ''}`, options.subtitle, report.openapi ? `OpenAPI: ${report.openapi}` : undefined]
    .filter(Boolean)
    .map((t) => escape(t!))
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[report.kind]} — Hindsight</title><style>${STYLE}</style></head>
<body><h1>${TITLES[report.kind]}</h1><div class="meta">${meta}</div>
${body}
</body></html>
`;
}
