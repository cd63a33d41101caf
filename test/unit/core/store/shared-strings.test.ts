import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSummary } from '../../../../electron/common/flow';
import { SharedStrings } from '../../../../electron/core/store/shared-strings';
import { SummaryList } from '../../../../electron/core/store/summaries';
import { makeFlow } from '../../../helpers/flows';

/** A copy of `text` that is a string of its own, as the HTTP parser makes one for every request. */
const copyOf = (text: string): string => [...text].join('');

test('shared strings: every value comes back equal, also past the bound (which starts over) and for long values', () => {
  const strings = new SharedStrings();
  const values = Array.from({ length: 10_000 }, (_, i) => `value ${i % 5_000}`);
  const long = 'x'.repeat(2_000);
  const back = [...values.map((v) => strings.of(copyOf(v))), strings.of(long)];
  assert.deepEqual(back, [...values, long]);
});

test('summaries keep their values when their host, client, content type and User-Agent are shared', () => {
  const list = new SummaryList();
  const summaries = [1, 2, 3].map((seq) => {
    const flow = makeFlow({ id: `s${seq}`, seq, response: true });
    flow.request.headers.push([copyOf('User-Agent'), copyOf('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0')]);
    return toSummary(flow);
  });
  const expected = structuredClone(summaries);
  list.upsert(summaries[0]!);
  list.addSorted([summaries[1]!, summaries[2]!]);
  assert.deepEqual([...list.all()], expected);
});
