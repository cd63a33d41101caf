// The ws-message action is checked on save (every bad field named), normalized, and explained in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule } from '../../../electron/common/rule-validate';
import { explainRule } from '../../../electron/common/rule-explain';
import type { Rule } from '../../../electron/common/rule';

const rule = (action: Record<string, unknown>) => ({ id: 'r1', name: 'ws', matchers: [{ type: 'host', host: 'chat.test' }], action: { type: 'ws-message', ...action } });

test('a valid ws-message action is kept with defaults filled and unused fields dropped', () => {
  const checked = validateRule(rule({ find: 'secret', replace: 'XXXX' }));
  assert.deepEqual(checked.ok && checked.rule.action, { type: 'ws-message', direction: 'both', find: 'secret', syntax: 'text', effect: 'replace', replace: 'XXXX' });
  const drop = validateRule(rule({ direction: 'to-client', find: '^ping', syntax: 'regex', flags: 'i', effect: 'drop', replace: 'ignored' }));
  assert.deepEqual(drop.ok && drop.rule.action, { type: 'ws-message', direction: 'to-client', find: '^ping', syntax: 'regex', flags: 'i', effect: 'drop' });
});

test('bad ws-message fields are named with a reason', () => {
  const errors = (action: Record<string, unknown>) => {
    const checked = validateRule(rule(action));
    return checked.ok ? [] : checked.errors;
  };
  assert.deepEqual(
    [
      errors({ direction: 'sideways', find: 'a', replace: 'b' }),
      errors({ find: '', replace: 'b' }),
      errors({ find: '(a)\\1', syntax: 'regex', replace: 'b' }),
      errors({ find: 'a', syntax: 'regex', flags: 'g', replace: 'b' }),
      errors({ find: 'a' }),
      errors({ find: 'a', effect: 'explode' }),
    ],
    [
      [{ field: 'action.direction', message: 'must be one of "to-server", "to-client", "both", not "sideways"' }],
      [{ field: 'action.find', message: 'must not be empty' }],
      [{ field: 'action.find', message: 'backreferences are not supported (patterns use RE2 syntax, which always matches in linear time)' }],
      [{ field: 'action.flags', message: 'must be some of i, m, s, not "g"' }],
      [{ field: 'action.replace', message: 'is required when effect is "replace" (use "" to delete the text found)' }],
      [{ field: 'action.effect', message: 'must be "replace", "drop" or "pause", not "explode"' }],
    ],
  );
});

test('explained in one line', () => {
  const explain = (action: Record<string, unknown>, matchers: unknown[] = [{ type: 'host', host: 'chat.test' }]) => {
    const checked = validateRule({ ...rule(action), matchers });
    return checked.ok ? explainRule(checked.rule as Rule) : checked.errors;
  };
  assert.deepEqual(
    [
      explain({ direction: 'to-server', find: 'secret', replace: 'XXXX' }),
      explain({ direction: 'to-client', find: '^ping', syntax: 'regex', flags: 'i', effect: 'drop' }, []),
      explain({ find: 'order', effect: 'pause' }),
    ],
    [
      'Replace "secret" with "XXXX" in client-to-server messages on chat.test for every client',
      'Drop server-to-client messages containing /^ping/i on every WebSocket for every client',
      'Pause WebSocket messages containing "order" on chat.test for every client',
    ],
  );
});
