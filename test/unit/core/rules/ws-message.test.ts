// The message gate runs ws-message rules in priority order: direction, text or regex, replace ($1 groups), a
// drop ends the run, and a rule whose `times` ran out does not apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageGate } from '../../../../electron/core/rules/ws-message';
import { Breakpoints } from '../../../../electron/core/rules/breakpoints';
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

test('a pause waits in the breakpoint queue: an edit runs on through the later rules, a timeout lets the message go as it was', async () => {
  const breakpoints = new Breakpoints({ timeoutMs: 60_000 });
  const signal = new AbortController().signal;
  const gate = messageGate(
    [
      rule('hold', { direction: 'both', find: 'order', syntax: 'text', effect: 'pause' }),
      rule('shout', { direction: 'both', find: 'paid', syntax: 'text', effect: 'replace', replace: 'PAID' }),
    ],
    () => true,
    (r, dir, text, s) => breakpoints.pause({ flowId: 'f', phase: 'message', key: text, clientIp: '127.0.0.1', rule: { id: r.id, kind: 'breakpoint', name: r.name }, message: { request: { method: 'GET', url: 'ws://a.test/', headers: [] }, wsMessage: { dir, text } }, signal: s }),
  )!;
  const edited = gate('to-server', 'order 1', signal) as Promise<unknown>;
  const [paused] = breakpoints.list();
  breakpoints.resume(paused.id, { text: 'order 1 paid' });
  breakpoints.setTimeout(30);
  const timedOut = gate('to-client', 'order 2', signal);
  assert.deepEqual(
    [await edited, await timedOut, paused.wsMessage],
    [
      { text: 'order 1 PAID', applied: [{ id: 'hold', kind: 'ws-breakpoint-edit', name: 'hold' }, { id: 'shout', kind: 'ws-rewrite', name: 'shout' }] },
      undefined,
      { dir: 'to-server', text: 'order 1' },
    ],
  );
  assert.throws(() => breakpoints.resume('f:message:nothing'), /no paused exchange/);
  breakpoints.dispose();
});
