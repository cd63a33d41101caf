/**
 * The arena log lines are built in: a block is handed out again only once every line that took bytes
 * from it is written, and blocks come back for reuse instead of being allocated per line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteArena } from '../../../../electron/core/log/byte-arena';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('bytes of a line being written are never handed out again; written blocks are reused', async () => {
  // Blocks of 200 bytes: a 60-character string reserves 180 (three bytes a character at most).
  const arena = new ByteArena(200);
  const first = arena.text('a'.repeat(40));
  const written = { first: first.toString() };
  const slow = deferred();
  arena.release(slow.promise);
  // The next line needs a new block: the first is still being written.
  const second = arena.text('x'.repeat(60));
  const secondText = second.toString();
  const fast = deferred();
  arena.release(fast.promise);
  fast.resolve();
  await fast.promise;
  // A third line fills a block again; with the first block still busy it must not get the first's memory.
  const third = arena.text('y'.repeat(60));
  arena.release(undefined);
  slow.resolve();
  await slow.promise;
  const fourth = arena.text('z'.repeat(60));
  const fifth = arena.text('w'.repeat(60));
  assert.deepEqual(
    {
      ...written,
      second: secondText,
      thirdNotFirst: third.buffer !== first.buffer,
      thirdReusesSecond: third.buffer === second.buffer,
      reused: [fourth.buffer, fifth.buffer].every((b) => b === first.buffer || b === second.buffer),
      tooLong: arena.take(201),
    },
    { first: 'a'.repeat(40), second: 'x'.repeat(60), thirdNotFirst: true, thirdReusesSecond: true, reused: true, tooLong: undefined },
  );
});
