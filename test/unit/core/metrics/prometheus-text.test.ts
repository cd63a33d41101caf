// The Prometheus text format (version 0.0.4) as /metrics writes it: HELP and TYPE per family, escaped labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrometheus } from '../../../../electron/core/metrics/prometheus-text';

test('families with HELP and TYPE, labels escaped, fractions to the millisecond', () => {
  const text = renderPrometheus({
    flowsCaptured: 12,
    failuresByPhase: { connect: 2, tls: 1 },
    openConnections: 3,
    stored: 10,
    storeWriteLagSeconds: 0.0425,
    ruleHits: [{ id: 'r1', name: 'say "hi"\\\nnow', hits: 4 }],
    flowsDropped: 7,
    trimmedUnremoved: 834,
    uptimeSeconds: 61.5,
  });
  assert.equal(
    text,
    [
      '# HELP hindsight_flows_captured_total Flows the proxy finished (completed or failed) since start.',
      '# TYPE hindsight_flows_captured_total counter',
      'hindsight_flows_captured_total 12',
      '# HELP hindsight_flow_failures_total Failed flows since start, by the phase that failed (client, dns, connect, tls, upstream, rule).',
      '# TYPE hindsight_flow_failures_total counter',
      'hindsight_flow_failures_total{phase="connect"} 2',
      'hindsight_flow_failures_total{phase="tls"} 1',
      '# HELP hindsight_open_connections Client connections open on the proxy port.',
      '# TYPE hindsight_open_connections gauge',
      'hindsight_open_connections 3',
      '# HELP hindsight_flows_stored Flows in the store now.',
      '# TYPE hindsight_flows_stored gauge',
      'hindsight_flows_stored 10',
      '# HELP hindsight_store_write_lag_seconds Age of the oldest captured change not yet written by the store (0 when none waits).',
      '# TYPE hindsight_store_write_lag_seconds gauge',
      'hindsight_store_write_lag_seconds 0.043',
      '# HELP hindsight_rule_hits Times each rule applied since it was last saved.',
      '# TYPE hindsight_rule_hits gauge',
      'hindsight_rule_hits{rule_id="r1",rule="say \\"hi\\"\\\\\\nnow"} 4',
      '# HELP hindsight_flows_dropped_total Exchanges forwarded without being recorded because the store was behind, since start.',
      '# TYPE hindsight_flows_dropped_total counter',
      'hindsight_flows_dropped_total 7',
      '# HELP hindsight_store_trimmed_unremoved_flows Flows trimmed from the store whose removal from the disk is not finished (bounded: past one trim more, new exchanges are dropped).',
      '# TYPE hindsight_store_trimmed_unremoved_flows gauge',
      'hindsight_store_trimmed_unremoved_flows 834',
      '# HELP hindsight_uptime_seconds Seconds since this process started capturing.',
      '# TYPE hindsight_uptime_seconds gauge',
      'hindsight_uptime_seconds 61.500',
      '',
    ].join('\n'),
  );
});
