import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FILTER_KEYS, IS_VALUES, filterHelpMarkdown, parseFilter } from '../../../electron/common/filter';

const docsFile = path.join(__dirname, '../../../docs/FILTERS.md');
const START = /<!-- filter-help:start[^>]*-->\n/;
const END = '<!-- filter-help:end -->';

test('docs/FILTERS.md holds the help table generated from FILTER_KEYS', () => {
  const docs = fs.readFileSync(docsFile, 'utf8');
  const start = START.exec(docs);
  const end = docs.indexOf(END);
  assert.ok(start && end > start.index, 'docs/FILTERS.md lost its filter-help markers');
  const current = docs.slice(start.index + start[0].length, end);
  const wanted = filterHelpMarkdown();
  if (current !== wanted && process.env.HINDSIGHT_UPDATE_DOCS === '1') {
    fs.writeFileSync(docsFile, docs.slice(0, start.index + start[0].length) + wanted + docs.slice(end));
    return;
  }
  assert.equal(current, wanted, 'run HINDSIGHT_UPDATE_DOCS=1 node scripts/run-tests.mjs filter-docs');
});

test('every documented example parses', () => {
  const examples = [...FILTER_KEYS.map((k) => k.example), ...IS_VALUES.map((v) => `is:${v.label}`)];
  const failures = examples.flatMap((e) => {
    try {
      parseFilter(e);
      return [];
    } catch (err) {
      return [`${e}: ${(err as Error).message}`];
    }
  });
  assert.deepEqual(failures, []);
});
