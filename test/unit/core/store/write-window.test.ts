import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteWindow } from '../../../../electron/core/store/write-window';

/** A request the test answers by hand, and the order requests were posted in. */
function requests() {
  const posted: string[] = [];
  const answers = new Map<string, () => void>();
  const send = (name: string) => () => {
    posted.push(name);
    return new Promise<void>((resolve) => answers.set(name, resolve));
  };
  const answer = async (name: string) => {
    answers.get(name)!();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { posted, send, answer };
}

test('requests are posted in order, with no more than the window of write text unanswered; the rest waits and is counted', async () => {
  const window = new WriteWindow(100);
  const r = requests();
  const done: string[] = [];
  for (const [name, chars] of [['w1', 60], ['w2', 30], ['w3', 50], ['pin', 0], ['w4', 10]] as const) void window.push(chars, r.send(name)).then(() => done.push(name));
  const first = { posted: [...r.posted], backlog: window.backlogChars };
  await r.answer('w1');
  const second = { posted: [...r.posted], backlog: window.backlogChars };
  await r.answer('w2');
  await r.answer('w3');
  await r.answer('pin');
  await r.answer('w4');
  assert.deepEqual(
    { first, second, done, backlog: window.backlogChars },
    {
      first: { posted: ['w1', 'w2'], backlog: 150 },
      // w3 waits for w2 too, and the pin behind it waits for w3: nothing overtakes a write.
      second: { posted: ['w1', 'w2', 'w3', 'pin', 'w4'], backlog: 90 },
      done: ['w1', 'w2', 'w3', 'pin', 'w4'],
      backlog: 0,
    },
  );
});

test('a request larger than the window still goes when nothing else is unanswered, and a failed answer frees its room', async () => {
  const window = new WriteWindow(10);
  const r = requests();
  const failing = window.push(50, () => Promise.reject(new Error('disk full')));
  const next = window.push(5, r.send('next'));
  await assert.rejects(failing, /disk full/);
  await r.answer('next');
  await next;
  assert.deepEqual({ posted: r.posted, backlog: window.backlogChars }, { posted: ['next'], backlog: 0 });
});
