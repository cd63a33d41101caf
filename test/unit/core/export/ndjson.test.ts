import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeNdjson } from '../../../../electron/core/export/ndjson';
import { toLogLine } from '../../../../electron/common/log-line';
import { makeFlow } from '../../../helpers/flows';
import { TextSink } from './collect';

describe('NDJSON export', () => {
  it('writes one log line per flow, in order, and waits for the output to drain', async () => {
    const flows = Array.from({ length: 5000 }, (_, i) =>
      makeFlow({ response: true, request: { method: 'GET', url: `http://h.test/${i}`, httpVersion: '1.1', headers: [['User-Agent', 'ua "x"\nnewline']], body: { size: 0, storedSize: 0, truncated: false } } }),
    );
    const sink = new TextSink(true);
    const { count } = await writeNdjson(flows, sink);
    const lines = sink.text.split('\n');
    assert.deepStrictEqual(
      { count, last: lines.at(-1), parsed: lines.slice(0, -1).map((l) => JSON.parse(l)) },
      { count: 5000, last: '', parsed: flows.map((f) => JSON.parse(JSON.stringify(toLogLine(f)))) },
    );
    assert.ok(sink.maxQueued < 256 * 1024, `at most ${sink.maxQueued} bytes were queued at once`);
  });
});
