/**
 * The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then `name{label="value"} number`
 * lines. Label values escape backslash, double quote and newline, as the format requires.
 */
import type { MetricsSnapshot } from './collector';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels?: Record<string, string>; value: number }[];
}

export function renderPrometheus(m: MetricsSnapshot): string {
  const families: Family[] = [
    { name: 'hindsight_flows_captured_total', help: 'Flows the proxy finished (completed or failed) since start.', type: 'counter', samples: [{ value: m.flowsCaptured }] },
    {
      name: 'hindsight_flow_failures_total',
      help: 'Failed flows since start, by the phase that failed (client, dns, connect, tls, upstream, rule).',
      type: 'counter',
      samples: Object.entries(m.failuresByPhase).map(([phase, value]) => ({ labels: { phase }, value })),
    },
    { name: 'hindsight_open_connections', help: 'Client connections open on the proxy port.', type: 'gauge', samples: [{ value: m.openConnections }] },
    { name: 'hindsight_flows_stored', help: 'Flows in the store now.', type: 'gauge', samples: [{ value: m.stored }] },
    { name: 'hindsight_store_write_lag_seconds', help: 'Age of the oldest captured change not yet written by the store (0 when none waits).', type: 'gauge', samples: [{ value: m.storeWriteLagSeconds }] },
    {
      name: 'hindsight_rule_hits',
      help: 'Times each rule applied since it was last saved.',
      type: 'gauge',
      samples: m.ruleHits.map((r) => ({ labels: { rule_id: r.id, rule: r.name }, value: r.hits })),
    },
    { name: 'hindsight_flows_dropped_total', help: 'Exchanges forwarded without being recorded because the store was behind, since start.', type: 'counter', samples: [{ value: m.flowsDropped }] },
    { name: 'hindsight_store_trimmed_unremoved_flows', help: 'Flows trimmed from the store whose removal from the disk is not finished (bounded: past one trim more, new exchanges are dropped).', type: 'gauge', samples: [{ value: m.trimmedUnremoved }] },
    { name: 'hindsight_uptime_seconds', help: 'Seconds since this process started capturing.', type: 'gauge', samples: [{ value: m.uptimeSeconds }] },
  ];
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${numberText(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${parts.join(',')}}`;
}

function numberText(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
