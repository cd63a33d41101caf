// `node:NAME` (issue 21): the team node that captured a flow, exact and case-sensitive; the same term as SQL
// for the PostgreSQL store (an indexed column condition, exact, so no scan finishes it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, FilterError, parseFilter } from '../../../electron/common/filter';
import { toSummary } from '../../../electron/common/flow';
import { filterToSql } from '../../../electron/core/store/pg/filter-sql';
import { makeFlow } from '../../helpers/flows';

const flows = [
  toSummary(makeFlow({ id: 'a1', node: 'lab-1' })),
  toSummary(makeFlow({ id: 'a2', node: 'lab-1', response: true })),
  toSummary(makeFlow({ id: 'b1', node: 'lab-2' })),
  toSummary(makeFlow({ id: 'upper', node: 'LAB-1' })),
  toSummary(makeFlow({ id: 'embedded' })),
];

const matching = (expression: string) => flows.filter(compileFilter(expression)).map((s) => s.id);

test('node: lists the flows one node captured, exactly; - and or combine it like any term', () => {
  assert.deepEqual(
    {
      one: matching('node:lab-1'),
      other: matching('node:lab-2'),
      caseSensitive: matching('node:LAB-1'),
      notOne: matching('-node:lab-1'),
      either: matching('node:lab-1 or node:lab-2'),
      quoted: matching('node:"lab-2"'),
      nobody: matching('node:lab'),
    },
    {
      one: ['a1', 'a2'],
      other: ['b1'],
      caseSensitive: ['upper'],
      notOne: ['b1', 'upper', 'embedded'],
      either: ['a1', 'a2', 'b1'],
      quoted: ['b1'],
      nobody: [],
    },
  );
});

test('node: without a name is refused, pointing at the term', () => {
  assert.throws(
    () => compileFilter('status:200 node:'),
    (err: unknown) => err instanceof FilterError && err.message === 'node: needs a value, e.g. node:lab-1 (at column 12)',
  );
});

test('node: compiles to an exact column condition for the PostgreSQL store', () => {
  assert.deepEqual(
    [filterToSql(parseFilter('node:lab-1')), filterToSql(parseFilter('-node:lab-1 method:GET'))],
    [
      { where: 'node = $1', params: ['lab-1'], exact: true },
      { where: '(NOT coalesce((node = $1), false)) AND (method = $2)', params: ['lab-1', 'GET'], exact: true },
    ],
  );
});
