import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeFilter, quoteValue } from '../../../../../renderer/src/lib/filter/compose';
import { compileFilter } from '../../../../../electron/common/filter';
import { toSummary } from '../../../../../electron/common/flow';
import { makeFlow } from '../../../../helpers/flows';

const problemOf = (parts: { expression: string; ip: string; url: string }) => {
  const { composed, problem } = composeFilter(parts);
  return { composed, problem: problem && { part: problem.part, start: problem.error.start, end: problem.error.end, token: problem.error.token } };
};

test('quick fields compose with the typed expression; a top-level `or` is kept whole', () => {
  assert.deepEqual(
    [
      problemOf({ expression: '', ip: '', url: '' }),
      problemOf({ expression: 'status:5xx', ip: ' 127.0.0.2 ', url: '' }),
      problemOf({ expression: 'status:5xx or is:error', ip: '10.0.0.0/8', url: '/api "v2"' }),
      problemOf({ expression: '(a or b) c', ip: '', url: 'x' }),
    ],
    [
      { composed: '', problem: undefined },
      { composed: 'status:5xx ip:127.0.0.2', problem: undefined },
      { composed: '(status:5xx or is:error) ip:10.0.0.0/8 "/api \\"v2\\""', problem: undefined },
      { composed: '(a or b) c "x"', problem: undefined },
    ],
  );
});

test('the composed expression means: expression AND ip AND url-contains', () => {
  const flows = [
    makeFlow({ client: { ip: '127.0.0.2', port: 1 }, response: { status: 500, statusText: '', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
    makeFlow({ client: { ip: '127.0.0.3', port: 1 }, response: { status: 500, statusText: '', headers: [], body: { size: 0, storedSize: 0, truncated: false } } }),
    makeFlow({ client: { ip: '127.0.0.2', port: 1 }, state: 'failed', error: { phase: 'dns', message: 'ENOTFOUND' } }),
    makeFlow({ client: { ip: '127.0.0.2', port: 1 }, request: { method: 'GET', url: 'http://x.test/other', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } }, state: 'failed', error: { phase: 'dns', message: 'x' } }),
  ].map(toSummary);
  const { composed } = composeFilter({ expression: 'status:5xx or is:error', ip: '127.0.0.2', url: 'path?q' });
  assert.deepEqual(flows.map(compileFilter(composed!)), [true, false, true, false]);
});

test('a bad part is reported with offsets inside that part’s own text', () => {
  assert.deepEqual(
    [
      problemOf({ expression: 'hots:api', ip: '', url: '' }).problem,
      problemOf({ expression: 'ok', ip: '  300.1.1.1', url: '' }).problem,
    ],
    [
      { part: 'expression', start: 0, end: 5, token: 'hots:' },
      { part: 'ip', start: 2, end: 11, token: '300.1.1.1' },
    ],
  );
});

test('quoteValue escapes quotes and backslashes the way the lexer reads them', () => {
  assert.equal(quoteValue('a"b\\c'), '"a\\"b\\\\c"');
});
