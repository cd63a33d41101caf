// `error:` — flows that failed in a phase (error:tls, error:client), or whose failure message has some text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, suggestFilter } from '../../../electron/common/filter';
import { toSummary, type FlowError } from '../../../electron/common/flow';
import { makeFlow } from '../../helpers/flows';

const failed = (id: string, error: FlowError) => toSummary(makeFlow({ id, state: 'failed', error }));
const summaries = [
  failed('a', { phase: 'tls', message: "the client rejected Hindsight's certificate for api.example.com (alert unknown_ca) — trust the CA: hindsight ca", code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' }),
  failed('b', { phase: 'client', message: "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431", code: 'HPE_HEADER_OVERFLOW' }),
  failed('c', { phase: 'upstream', message: 'api.test:443 sent a malformed chunk size in a chunked body (mentions tls)' }),
  toSummary(makeFlow({ id: 'd', response: true })),
];

test('error: takes a phase, or else text in the message; flows without an error never match', () => {
  const ids = (expr: string) => summaries.filter(compileFilter(expr)).map((s) => s.id).join('');
  assert.deepEqual(
    ['error:tls', 'error:TLS', 'error:client', 'error:dns', 'error:"trust the CA"', 'error:431', 'error:chunk', '-error:tls', 'is:error -error:client'].map((e) => [e, ids(e)]),
    [
      ['error:tls', 'a'],
      ['error:TLS', 'a'],
      ['error:client', 'b'],
      ['error:dns', ''],
      ['error:"trust the CA"', 'a'],
      ['error:431', 'b'],
      ['error:chunk', 'c'],
      ['-error:tls', 'bcd'],
      ['is:error -error:client', 'ac'],
    ],
  );
});

test('autocomplete offers the phases after error:', () => {
  const suggestion = suggestFilter('error:t', 7);
  assert.deepEqual(
    suggestion.options.map((o) => o.label),
    ['tls', 'timeout'],
  );
});
