// `msg:` — text inside messages: how the term parses, which terms are negated, and what its predicate says
// without and with the store's answer (the MessageOracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterError, compileFilter, compileFilterQuery, parseFilter } from '../../../electron/common/filter';
import { toSummary } from '../../../electron/common/flow';
import { makeFlow } from '../../helpers/flows';

test('msg: parses as a term; /regex/flags as a regex; a quoted value never', () => {
  assert.deepEqual(
    [parseFilter('msg:hello'), parseFilter('msg:/hel+o/i'), parseFilter('msg:"/not a regex/"')],
    [
      { type: 'term', key: 'msg', op: ':', value: 'hello', start: 0, end: 9 },
      { type: 'term', key: 'msg', op: ':', value: '/hel+o/i', regex: { source: 'hel+o', flags: 'i' }, start: 0, end: 12 },
      { type: 'term', key: 'msg', op: ':', value: '/not a regex/', quoted: true, start: 0, end: 19 },
    ],
  );
});

test('each msg: term is listed in order with its polarity (inside an odd number of -)', () => {
  const compiled = compileFilterQuery('-msg:a msg:b (is:ws or -(msg:c or --msg:d))');
  assert.deepEqual(
    compiled.messageTerms.map((t) => ({ source: t.source, negated: t.negated })),
    [
      { source: 'msg:a', negated: true },
      { source: 'msg:b', negated: false },
      { source: 'msg:c', negated: true },
      { source: 'msg:d', negated: true },
    ],
  );
  assert.deepEqual(compileFilterQuery('status:200').messageTerms, []);
});

test('a term matches message text case-insensitively; a regex as written (linear-time, RE2 syntax)', () => {
  const [plain, regex, insensitive] = ['msg:HeLLo', 'msg:/hel+o\\sw/', 'msg:/HEL+O/i'].map((f) => compileFilterQuery(f).messageTerms[0]);
  assert.deepEqual(
    ['hello world', 'HELLO WORLD', 'help'].map((text) => [plain.test(text), regex.test(text), insensitive.test(text)]),
    [
      [true, true, true],
      [true, false, true],
      [false, false, false],
    ],
  );
});

test('bad msg: values are refused with the term pointed at', () => {
  const refused = (text: string) => {
    try {
      compileFilter(text);
    } catch (err) {
      assert.ok(err instanceof FilterError);
      return { start: err.start, end: err.end, reason: err.reason };
    }
    return 'accepted';
  };
  const unclosed = refused('msg:/(a/');
  assert.deepEqual([refused('msg:'), refused('msg:/(a\\1)/'), typeof unclosed === 'string' ? unclosed : { ...unclosed, reason: unclosed.reason.startsWith('bad regular expression: ') }], [
    { start: 0, end: 4, reason: 'msg: needs a value, e.g. msg:hello' },
    { start: 4, end: 11, reason: 'bad regular expression: backreferences are not supported (patterns use RE2 syntax, which always matches in linear time)' },
    { start: 4, end: 8, reason: true },
  ]);
});

test('the predicate: no messages, no match; without the store’s answer, no match; mayMatch is a superset', () => {
  const withMessages = { ...toSummary(makeFlow({ response: true, websocket: true })), messageCount: 2 };
  const without = toSummary(makeFlow({ response: true }));
  const positive = compileFilterQuery('msg:hello');
  const negative = compileFilterQuery('-msg:hello');
  const yes = () => true;
  const no = () => false;
  assert.deepEqual(
    {
      positive: [positive.test(withMessages), positive.test(withMessages, yes), positive.test(withMessages, no), positive.test(without, yes)],
      negative: [negative.test(withMessages, yes), negative.test(withMessages, no), negative.test(without, yes)],
      mayMatch: [positive.mayMatch(withMessages), positive.mayMatch(without), negative.mayMatch(withMessages), negative.mayMatch(without)],
    },
    {
      positive: [false, true, false, false],
      negative: [false, true, true],
      mayMatch: [true, false, true, true],
    },
  );
});
