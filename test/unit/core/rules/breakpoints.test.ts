// The breakpoint queue's one entry for the API: decide() applies a resume, abort or answer to a pause held
// here exactly as the direct calls do, refuses an id nobody holds, and names this node on its pauses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakpoints, type PauseRequest } from '../../../../electron/core/rules/breakpoints';

const request = (flowId: string): PauseRequest => ({
  flowId,
  phase: 'request',
  clientIp: '127.0.0.2',
  rule: { id: 'r1', kind: 'breakpoint', name: 'pause' },
  message: { request: { method: 'GET', url: 'http://a.test/', headers: [['X-Team', 'original']] } },
});

test('decide() resumes with edits, aborts and answers pauses held here; an unknown id or a wrong edit is refused', async () => {
  const breakpoints = new Breakpoints({ timeoutMs: 60_000, node: 'node-a' });
  const resumed = breakpoints.pause(request('f1'));
  const aborted = breakpoints.pause(request('f2'));
  const answered = breakpoints.pause(request('f3'));
  assert.deepEqual(
    breakpoints.list().map((p) => ({ id: p.id, node: p.node, held: breakpoints.holds(p.id) })),
    ['f1', 'f2', 'f3'].map((f) => ({ id: `${f}:request`, node: 'node-a', held: true })),
  );
  await assert.rejects(breakpoints.decide('f1:request', { type: 'resume', edits: { status: 200 } as never }), /edits\.status: cannot be edited on a paused request/);
  await assert.rejects(breakpoints.decide('nobody:request', { type: 'abort' }), /no paused exchange with id "nobody:request"/);
  await breakpoints.decide('f1:request', { type: 'resume', edits: { headers: [['X-Team', 'edited']] } });
  await breakpoints.decide('f2:request', { type: 'abort' });
  await breakpoints.decide('f3:request', { type: 'answer', response: { status: 203, headers: [], body: 'answered' } });
  assert.deepEqual(
    { outcomes: await Promise.all([resumed, aborted, answered]), left: breakpoints.size },
    {
      outcomes: [
        { type: 'resume', edits: { headers: [['X-Team', 'edited']] }, timedOut: false },
        { type: 'abort' },
        { type: 'answer', response: { status: 203, headers: [], body: 'answered' } },
      ],
      left: 0,
    },
  );
  breakpoints.dispose();
});
