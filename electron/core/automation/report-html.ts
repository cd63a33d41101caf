/**
 * A session report as one self-contained HTML file (inline CSS, no script, no external resource), for a
 * CI artifact or a mail: totals, then per endpoint every pair with its differences, both values side by
 * side. Every value is escaped; light and dark follow the reader's system.
 */
import type { Difference, ExchangeInfo, SessionReport } from '../../common/session-report';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON values shown in a cell; long ones cut so one huge value cannot swamp the page. */
function value(v: unknown): string {
  if (v === undefined) return '<span class="none">absent</span>';
  const text = JSON.stringify(v);
  return `<code>${esc(text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text)}</code>`;
}

const lines = (list: string[] | null) => (list === null ? '<span class="none">absent</span>' : list.map((l) => `<code>${esc(l)}</code>`).join('<br>'));

function differenceRow(d: Difference): string {
  switch (d.kind) {
    case 'status':
      return `<tr><th>status</th><td>${value(d.a)}</td><td>${value(d.b)}</td></tr>`;
    case 'error':
      return `<tr><th>error</th><td>${value(d.a)}</td><td>${value(d.b)}</td></tr>`;
    case 'header':
      return `<tr><th>header ${esc(d.name)}</th><td>${lines(d.a)}</td><td>${lines(d.b)}</td></tr>`;
    case 'json':
      return `<tr><th>${esc(d.path)}</th><td>${value(d.a)}</td><td>${value(d.b)}</td></tr>`;
    case 'json-more':
      return `<tr><th>JSON</th><td colspan="2">${d.count} more changed paths</td></tr>`;
    case 'text':
      return `<tr><th>body lines${d.note ? ` (${esc(d.note)})` : ''}</th><td><pre>${esc(d.a.join('\n'))}</pre></td><td><pre>${esc(d.b.join('\n'))}</pre>${d.more ? `<p>${d.more} more lines</p>` : ''}</td></tr>`;
    case 'binary':
      return `<tr><th>body bytes</th><td>${d.a.size} bytes${d.a.sha256 ? `<br><code>sha256 ${d.a.sha256}</code>` : ''}</td><td>${d.b.size} bytes${d.b.sha256 ? `<br><code>sha256 ${d.b.sha256}</code>` : ''}</td></tr>`;
  }
}

function exchange(x: ExchangeInfo): string {
  const status = x.status !== undefined ? String(x.status) : x.error ? 'failed' : '–';
  const ms = x.durationMs !== undefined ? ` · ${Math.round(x.durationMs)} ms` : '';
  return `${esc(x.method)} ${esc(x.url)} → <b>${esc(status)}</b>${ms}${x.id ? ` <small>${esc(x.id)}</small>` : ''}`;
}

export function reportHtml(r: SessionReport, createdAt = new Date()): string {
  const t = r.totals;
  const title = r.kind === 'replay' ? 'Session replay' : 'Session diff';
  const body = r.endpoints
    .map((g) => {
      const changed = g.pairs.filter((p) => !p.same).length + g.added.length + g.removed.length + g.notSent.length;
      const pairs = g.pairs
        .map(
          (p) =>
            `<div class="pair ${p.same ? 'same' : 'changed'}"><div>A: ${exchange(p.a)}</div><div>B: ${exchange(p.b)}</div>${
              p.same ? '' : `<table><tr><th></th><th>A</th><th>B</th></tr>${p.differences.map(differenceRow).join('')}</table>`
            }</div>`,
        )
        .join('');
      const extra = [
        ...g.removed.map((x) => `<div class="pair changed">only in A: ${exchange(x)}</div>`),
        ...g.added.map((x) => `<div class="pair changed">only in B: ${exchange(x)}</div>`),
        ...g.notSent.map((n) => `<div class="pair changed">not sent: ${exchange(n.a)} — ${esc(n.reason)}</div>`),
      ].join('');
      const timing = g.timing ? `, median ${g.timing.aMedianMs} ms → ${g.timing.bMedianMs} ms` : '';
      return `<details${changed ? ' open' : ''}><summary><b>${esc(g.endpoint)}</b> — ${g.pairs.length} pairs, ${changed} differing${timing}</summary>${pairs}${extra}</details>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Hindsight — ${title}</title>
<style>
:root{color-scheme:light dark;--fg:#1d2330;--bg:#fff;--muted:#667;--line:#d8dce3;--bad:#b42318;--bad-bg:#fdecea;--ok:#1a7f37}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ee;--bg:#16181d;--muted:#9aa1ad;--line:#333844;--bad:#ff8a80;--bad-bg:#3a1d1b;--ok:#5cc97a}}
body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:24px;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}.meta{color:var(--muted);margin:0 0 16px}
.totals span{margin-right:16px}.bad{color:var(--bad);font-weight:600}.ok{color:var(--ok);font-weight:600}
details{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 10px}summary{cursor:pointer}
.pair{border-top:1px solid var(--line);padding:6px 0;word-break:break-all}.pair.same{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin-top:4px;table-layout:fixed}th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th:first-child{width:22%}td{background:var(--bad-bg)}pre{margin:0;white-space:pre-wrap}code{font:12px ui-monospace,monospace}.none{color:var(--muted);font-style:italic}small{color:var(--muted)}
</style></head><body>
<h1>${title}: ${t.changed + t.added + t.removed + t.notSent === 0 ? '<span class="ok">all responses match</span>' : '<span class="bad">differences found</span>'}</h1>
<p class="meta">A: ${esc(r.a)}<br>B: ${esc(r.b)}${r.ignore.length ? `<br>ignored: ${r.ignore.map(esc).join(', ')}` : ''}<br>${esc(createdAt.toISOString())}</p>
<p class="totals"><span>${t.pairs} pairs</span><span>${t.same} same</span><span class="${t.changed ? 'bad' : ''}">${t.changed} changed</span>${
    r.kind === 'diff' ? `<span>${t.added} only in B</span><span>${t.removed} only in A</span>` : `<span>${t.notSent} not sent</span>`
  }</p>
${body}
</body></html>
`;
}
