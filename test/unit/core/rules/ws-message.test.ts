// The message gate runs ws-message rules in priority order: direction, text or regex, replace ($1 groups), a
// drop ends the run, and a rule whose `times` ran out does not apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageGate } from '../../../../electron/core/rules/ws-message';
import type { Rule, WsMessageAction } from '../../../../electron/common/rule';

const rule = (id: string, action: Omit<WsMessageAction, 'type'>): Rule => ({ id, name: id, enabled: true, priority: 0, scope: {}, matchers: [], action: { type: 'ws-message', ...action } });

test('rules apply in order, per direction; a drop ends the run; a used-up rule is skipped', () => {
  const left = new Map([['once', 1]]);
  const signal = new AbortController().signal;
  const gate = messageGate(
    [
      rule('price', { direction: 'to-client', find: '"price":(\\d+)', syntax: 'regex', effect: 'replace', replace: '"price":"$1"' }),
      rule('once', { direction: 'both', find: 'x', syntax: 'text', effect: 'replace', replace: 'y' }),
      rule('drop', { direction: 'to-server', find: 'DEBUG', syntax: 'text', effect: 'drop' }),
    ],
    (r) => {
      const n = left.get(r.id);
      if (n === undefined) return true;
      left.set(r.id, n - 1);
      return n > 0;
    },
  )!;
  assert.deepEqual(
    [gate('to-client', '{"price":12,"x":1}', signal), gate('to-client', '{"price":3,"x":1}', signal), gate('to-server', 'DEBUG {"price":1}', signal), gate('to-server', 'plain', signal)],
    [
      { text: '{"price":"12","y":1}', applied: [{ id: 'price', kind: 'ws-rewrite', name: 'price' }, { id: 'once', kind: 'ws-rewrite', name: 'once' }] },
      { text: '{"price":"3","x":1}', applied: [{ id: 'price', kind: 'ws-rewrite', name: 'price' }] },
      { dropped: true, applied: [{ id: 'drop', kind: 'ws-drop', name: 'drop' }] },
      undefined,
    ],
  );
  assert.equal(messageGate([], () => true), undefined);
});
