/**
 * Flow factory for tests (like mitmproxy's tflow()): a plausible flow, overridable field by field.
 */
import { FLOW_SCHEMA, emptyBody, type Flow } from '../../electron/common/flow';

export interface MakeFlowOptions extends Partial<Omit<Flow, 'response'>> {
  /** true: a 200 JSON response; an object: that response. */
  response?: boolean | Flow['response'];
}

let counter = 0;
export function makeFlow(options: MakeFlowOptions = {}): Flow {
  const { response, ...rest } = options;
  counter++;
  const flow: Flow = {
    id: `flow-${counter}`,
    seq: counter,
    schema: FLOW_SCHEMA,
    startedAt: 1_763_700_000_000 + counter,
    state: response ? 'completed' : 'live',
    client: { ip: '127.0.0.1', port: 50000 },
    request: {
      method: 'GET',
      url: 'http://example.test/path?q=1',
      httpVersion: '1.1',
      headers: [['Host', 'example.test']],
      body: emptyBody(),
    },
    timings: response ? { totalMs: 12 } : {},
    appliedRules: [],
    ...rest,
  };
  if (response === true) {
    flow.response = {
      status: 200,
      statusText: 'OK',
      headers: [['Content-Type', 'application/json']],
      body: { size: 13, storedSize: 13, truncated: false, contentType: 'application/json', blob: `${flow.id}-response` },
    };
  } else if (response) {
    flow.response = response;
  }
  return flow;
}
