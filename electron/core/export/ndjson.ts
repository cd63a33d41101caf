/**
 * NDJSON export: the structured log line of each flow (electron/common/log-line.ts), one JSON object per
 * line, streamed — the same lines `hindsight serve --log` prints, for log pipelines and jq.
 */
import type { Writable } from 'node:stream';
import type { Flow } from '../../common/flow';
import { toLogLine } from '../../common/log-line';
import { ExportOutput } from './output';

/** Writes one line per flow, waiting on the stream's backpressure. The caller ends `out`. */
export async function writeNdjson(flows: AsyncIterable<Flow> | Iterable<Flow>, out: Writable): Promise<{ count: number }> {
  const output = new ExportOutput(out);
  let count = 0;
  for await (const flow of flows) {
    await output.write(`${JSON.stringify(toLogLine(flow))}\n`);
    count++;
  }
  await output.flush();
  return { count };
}
