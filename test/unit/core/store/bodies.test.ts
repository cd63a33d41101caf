import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BodyStore, SMALL_BODY } from '../../../../electron/core/store/bodies';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-bodies-');

test('a body is streamed to its file and read back byte for byte', async () => {
  const store = new BodyStore({ dir: tempDir() });
  const w = store.open('abc123', 'response', { contentType: 'application/json', encoding: 'gzip' });
  w.write(Buffer.from('hello '));
  w.write(Buffer.from('world'));
  const ref = w.end();
  assert.deepEqual(ref, { size: 11, storedSize: 11, truncated: false, contentType: 'application/json', encoding: 'gzip', blob: 'abc123-response' });
  await store.flush();
  assert.equal((await store.read(ref)).toString(), 'hello world');
});

test('a body larger than what is held in memory streams to its file, and bodies share shard folders', async () => {
  const store = new BodyStore({ dir: tempDir() });
  const chunks = Array.from({ length: 5 }, (_, i) => Buffer.alloc(SMALL_BODY / 2, i + 1));
  const w = store.open('ab-big', 'response', {});
  for (const c of chunks) w.write(c);
  const small = store.open('ab-small', 'response', {});
  small.write(Buffer.from('small'));
  const refs = [w.end(), small.end()];
  assert.deepEqual(refs, [
    { size: SMALL_BODY * 2.5, storedSize: SMALL_BODY * 2.5, truncated: false, blob: 'ab-big-response' },
    { size: 5, storedSize: 5, truncated: false, blob: 'ab-small-response' },
  ]);
  await store.flush();
  assert.deepEqual(await Promise.all(refs.map((r) => store.read(r))), [Buffer.concat(chunks), Buffer.from('small')]);
});

test('bodies over the cap keep the first bytes, count all of them and are marked truncated', async () => {
  const store = new BodyStore({ dir: tempDir(), cap: 8 });
  const w = store.open('big', 'request', {});
  w.write(Buffer.from('12345'));
  w.write(Buffer.from('67890'));
  w.write(Buffer.from('abc'));
  const ref = w.end();
  assert.deepEqual(ref, { size: 13, storedSize: 8, truncated: true, blob: 'big-request' });
  await store.flush();
  assert.equal((await store.read(ref)).toString(), '12345678');
});

test('an empty body has no file; remove deletes files and ignores missing ones', async () => {
  const store = new BodyStore({ dir: tempDir() });
  const empty = store.open('e1', 'request', {}).end();
  assert.deepEqual(empty, { size: 0, storedSize: 0, truncated: false });
  assert.equal((await store.read(empty)).length, 0);
  const w = store.open('r1', 'response', {});
  w.write(Buffer.from('x'));
  const ref = w.end();
  await store.flush();
  assert.ok(fs.existsSync(store.pathOf('r1-response')));
  await store.remove(['r1-response', 'never-existed']);
  assert.equal(fs.existsSync(store.pathOf('r1-response')), false);
  assert.equal((await store.read(ref)).length, 0);
});

test('a failing disk stops body writes with one warning and loses no counts', async () => {
  const dir = tempDir();
  const warnings: string[] = [];
  const store = new BodyStore({ dir, onWriteError: (m) => warnings.push(m) });
  // A regular file where the shard folder should be makes every write fail, as a full disk would.
  fs.writeFileSync(path.join(dir, 'zz'), 'not a folder');
  const w = store.open('zz1', 'response', {});
  w.write(Buffer.from('abc'));
  const ref = w.end();
  assert.equal(ref.size, 3);
  assert.equal(ref.storedSize, 0);
  assert.equal(ref.truncated, true);
  assert.equal(ref.blob, undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /Body files are not being written/);
});

test('body names that could escape the folder are refused', () => {
  const store = new BodyStore({ dir: tempDir() });
  assert.throws(() => store.pathOf('../etc/passwd'), /invalid body name/);
});

test('a body read the moment it ends (no flush) comes back whole, streamed or held, written directly or not', async () => {
  for (const [segmentBytes, directWrites] of [[0, false], [32 * 1024 * 1024, true], [32 * 1024 * 1024, false]] as const) {
    const store = new BodyStore({ dir: tempDir(), segmentBytes, directWrites });
    const big = Array.from({ length: 6 }, (_, i) => Buffer.alloc(SMALL_BODY / 2, i + 7));
    const w = store.open('cd-big', 'response', {});
    for (const c of big) w.write(c);
    const small = store.open('cd-small', 'request', {});
    small.write(Buffer.from('just ended'));
    const [bigRef, smallRef] = [w.end(), small.end()];
    assert.deepEqual(
      { big: (await store.read(bigRef)).equals(Buffer.concat(big)), small: (await store.read(smallRef)).toString() },
      { big: true, small: 'just ended' },
      `segmentBytes ${segmentBytes}, directWrites ${directWrites}`,
    );
    await store.close?.();
  }
});

test('keepRecent: the newest small bodies are read from memory, older ones past the limit from the disk, removed ones not at all', async () => {
  const dir = tempDir();
  const store = new BodyStore({ dir, segmentBytes: 1024 * 1024 });
  store.keepRecent(10);
  const refs = ['aaaa', 'bbbb', 'cccc'].map((text, i) => {
    const w = store.open(`f${i}`, 'response', {});
    w.write(Buffer.from(text));
    return w.end();
  });
  await store.flush();
  // With the segment files gone, only what is kept in memory can still be read: the newest 8 of 10 bytes.
  fs.rmSync(path.join(dir, 'segments'), { recursive: true, force: true });
  assert.deepEqual((await Promise.all(refs.map((r) => store.read(r)))).map(String), ['', 'bbbb', 'cccc']);
  await store.remove([refs[2].blob!]);
  assert.deepEqual((await Promise.all(refs.map((r) => store.read(r)))).map(String), ['', 'bbbb', '']);
  // Later bodies let the oldest kept one go (past the removed one), not the newest.
  const later = ['dddd', 'eeee'].map((text, i) => {
    const w = store.open(`g${i}`, 'response', {});
    w.write(Buffer.from(text));
    return w.end();
  });
  fs.rmSync(path.join(dir, 'segments'), { recursive: true, force: true });
  assert.deepEqual((await Promise.all([...refs, ...later].map((r) => store.read(r)))).map(String), ['', '', '', 'dddd', 'eeee']);
});

test('settle waits for the bodies handed out before it, not for a segment opened after it (one that fills only under further capture)', async () => {
  for (const directWrites of [true, false]) {
    const store = new BodyStore({ dir: tempDir(), segmentBytes: 32 * 1024 * 1024, directWrites });
    const body = (flowId: string, text: string) => {
      const w = store.open(flowId, 'response', {});
      w.write(Buffer.from(text));
      return w.end();
    };
    const before = body('se-before', 'handed out before');
    const settled = store.settle();
    const after = body('se-after', 'handed out after');
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([settled.then(() => 'settled'), new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting after 5 s'), 5_000)))]);
    clearTimeout(timer);
    assert.deepEqual(
      { outcome, before: (await store.read(before)).toString(), after: (await store.read(after)).toString() },
      { outcome: 'settled', before: 'handed out before', after: 'handed out after' },
      `directWrites ${directWrites}`,
    );
    await store.close();
  }
});
