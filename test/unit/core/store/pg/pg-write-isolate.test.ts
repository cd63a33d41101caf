/**
 * What the PostgreSQL store does with a batch the database refuses for its data (pg-write-isolate.ts), the
 * parts that need no database: which errors are the data's, and the storable form of a flow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { isDataError, storable } from '../../../../../electron/core/store/pg/pg-write-isolate';

function databaseError(code: string): pg.DatabaseError {
  const err = new pg.DatabaseError('refused', 0, 'error');
  err.code = code;
  return err;
}

test('data exceptions, constraint violations and limits are the data; the connection and the server state are not', () => {
  const codes = ['22P05', '22P02', '22021', '22003', '23502', '23505', '54000', '08006', '57P01', '53100', '25P02', '40001'];
  assert.deepStrictEqual(
    Object.fromEntries(codes.map((c) => [c, isDataError(databaseError(c))])),
    { '22P05': true, '22P02': true, '22021': true, '22003': true, '23502': true, '23505': true, '54000': true, '08006': false, '57P01': false, '53100': false, '25P02': false, '40001': false },
  );
  // Node's own errors carry codes too (EPIPE is five characters, like a SQLSTATE): never the data's.
  const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
  const econn = Object.assign(new Error('connect ECONNREFUSED'), { code: '22000' });
  assert.deepStrictEqual([isDataError(epipe), isDataError(econn), isDataError(undefined)], [false, false, false]);
});

test('storable: NUL and unpaired surrogates become U+FFFD in strings and keys, pairs stay, numbers and nulls stay', () => {
  const value = {
    url: 'http://a.test/x\u0000y',
    headers: [['X-A', 'ok'], ['X-B', 'half \ud83d and \ude00 alone']],
    emoji: 'pair \ud83d\ude00 kept',
    nested: { 'key\u0000': [1, null, true, '\udbff'] },
    n: 3,
  };
  assert.deepStrictEqual(storable(value), {
    url: 'http://a.test/x\ufffdy',
    headers: [['X-A', 'ok'], ['X-B', 'half \ufffd and \ufffd alone']],
    emoji: 'pair \ud83d\ude00 kept',
    nested: { 'key\ufffd': [1, null, true, '\ufffd'] },
    n: 3,
  });
  // The original is left as it was: the store keeps it for a retry after a lost connection.
  assert.equal(value.url, 'http://a.test/x\u0000y');
});

test('storable: a value with nothing to replace is returned as it is, not copied', () => {
  const value = { a: ['x', { b: 'pair \ud83d\ude00' }], c: 1 };
  assert.equal(storable(value), value);
});
