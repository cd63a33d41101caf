import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CHUNK_PAGES, DirectPages, MAX_CHUNKS, PAGE } from '../../../../electron/core/store/direct-pages';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-direct-pages-');

/** Where a page's bytes lie: its memory's size and its place in it (a WebAssembly block's pages sit at 1 MB multiples). */
const placeOf = (page: Buffer) => ({ memory: page.buffer.byteLength, offset: page.byteOffset, length: page.length });

/** Prepared pages (heap pages only with maxChunks 0), or undefined (the test skipped) where this file system takes no direct writes. */
async function preparedPages(t: { skip(message: string): void }, maxChunks = MAX_CHUNKS): Promise<DirectPages | undefined> {
  const pages = new DirectPages(tempDir(), maxChunks);
  await pages.prepare();
  if (pages.usable && pages.allocated > 0) return pages;
  t.skip('no direct writes here');
  pages.close();
  return undefined;
}

test('prepare makes the first block of pages ahead: its pages are cut at 1 MB multiples of one 16 MB memory, and no file is left behind', async (t) => {
  const dir = tempDir();
  const pages = new DirectPages(dir);
  await pages.prepare();
  if (!pages.usable || pages.allocated === 0) {
    // No direct I/O on this file system (tmpfs, macOS): prepare leaves everything to take(), which reports it.
    t.skip('no direct writes here');
    pages.close();
    return;
  }
  // A second prepare while pages are idle makes none.
  await pages.prepare();
  const taken = Array.from({ length: CHUNK_PAGES - 2 }, () => pages.take());
  assert.deepStrictEqual(
    { allocated: pages.allocated, places: taken.map(placeOf), files: fs.readdirSync(dir) },
    {
      allocated: CHUNK_PAGES,
      // Most recently given first: the block's pages from the start.
      places: taken.map((_, i) => ({ memory: CHUNK_PAGES * PAGE, offset: i * PAGE, length: PAGE })),
      files: [],
    },
  );
  pages.close();
});

test('pages given back are handed out again, most recent first, and the next block is made then and there when the idle pages run low', async (t) => {
  const pages = await preparedPages(t);
  if (!pages) return;
  const first = pages.take();
  pages.give(first);
  assert.equal(pages.take(), first);
  // Taking the block's last pages makes the next block then and there (no test write, so nothing to wait for).
  const rest = Array.from({ length: CHUNK_PAGES }, () => pages.take());
  const next = rest[CHUNK_PAGES - 2];
  assert.deepStrictEqual(
    { allocated: pages.allocated, next: placeOf(next), newBlock: next.buffer !== first.buffer },
    { allocated: 2 * CHUNK_PAGES, next: { memory: CHUNK_PAGES * PAGE, offset: 0, length: PAGE }, newBlock: true },
  );
  // Every block's pages are kept when given back, beyond the heap pages' idle cap.
  for (const page of [first, ...rest]) pages.give(page);
  const again = Array.from({ length: CHUNK_PAGES + 1 }, () => pages.take());
  assert.deepStrictEqual({ allocated: pages.allocated, reused: again.every((p) => p === first || rest.includes(p)) }, { allocated: 2 * CHUNK_PAGES, reused: true });
  pages.close();
});

const openFiles = () => fs.readdirSync('/proc/self/fd').length;

test('heap pages: prepare makes one, cut from a heap buffer a block larger than a page', async (t) => {
  const pages = await preparedPages(t, 0);
  if (!pages) return;
  const page = pages.take();
  assert.deepStrictEqual({ allocated: pages.allocated, length: page.length, memory: page.buffer.byteLength > PAGE }, { allocated: 1, length: PAGE, memory: true });
  await pages.ahead();
  pages.close();
});

test('heap pages: take makes the next ones ahead on the thread pool, so taking them makes none on the caller\'s thread', async (t) => {
  const pages = await preparedPages(t, 0);
  if (!pages) return;
  pages.take();
  // The idle pages ran out: two are made ahead, their test writes behind the caller's back.
  assert.equal(pages.allocated, 1);
  await pages.ahead();
  assert.equal(pages.allocated, 3);
  const taken = [pages.take(), pages.take()];
  assert.deepStrictEqual({ allocated: pages.allocated, lengths: taken.map((p) => p.length) }, { allocated: 3, lengths: [PAGE, PAGE] });
  await pages.ahead();
  assert.equal(pages.allocated, 5);
  pages.close();
});

test('past the last WebAssembly block, pages come from the heap, made ahead', async (t) => {
  const pages = await preparedPages(t);
  if (!pages) return;
  const taken = Array.from({ length: MAX_CHUNKS * CHUNK_PAGES }, () => pages.take());
  await pages.ahead();
  const heap = pages.take();
  assert.deepStrictEqual(
    { blocks: taken.filter((p) => p.buffer.byteLength === CHUNK_PAGES * PAGE).length, heap: placeOf(heap).memory > PAGE && placeOf(heap).memory < 2 * PAGE },
    { blocks: MAX_CHUNKS * CHUNK_PAGES, heap: true },
  );
  await pages.ahead();
  pages.close();
});

test('close while a heap page is made ahead closes the probe file once that write ends, and makes no more', async (t) => {
  const before = openFiles();
  const pages = await preparedPages(t, 0);
  if (!pages) return;
  pages.take();
  pages.close();
  // The probe file stays open for the write under way (its number could be another file's after a close).
  assert.equal(openFiles(), before + 1);
  await pages.ahead();
  assert.deepStrictEqual({ open: openFiles(), allocated: pages.allocated }, { open: before, allocated: 1 });
});

test('prepare after close, or in a folder where nothing can be written, never rejects', async () => {
  const closed = new DirectPages(tempDir());
  closed.close();
  await closed.prepare();
  const missing = new DirectPages('/nonexistent/hindsight-direct-pages');
  await missing.prepare();
  assert.deepStrictEqual([closed.allocated, missing.allocated], [0, 0]);
  assert.throws(() => missing.take(), { code: 'ENOENT' });
});
