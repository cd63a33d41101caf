import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { DirectPages, PAGE } from '../../../../electron/core/store/direct-pages';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-direct-pages-');

test('prepare makes the first page ahead, so take hands it out without searching again, and leaves no file behind', async (t) => {
  const dir = tempDir();
  const pages = new DirectPages(dir);
  await pages.prepare();
  if (!pages.usable || pages.allocated === 0) {
    // No direct I/O on this file system (tmpfs, macOS): prepare leaves everything to take(), which reports it.
    t.skip('no direct writes here');
    pages.close();
    return;
  }
  // A second prepare while a page is idle makes none.
  await pages.prepare();
  const page = pages.take();
  assert.deepStrictEqual({ allocated: pages.allocated, length: page.length, files: fs.readdirSync(dir) }, { allocated: 1, length: PAGE, files: [] });
  // Later pages align where the first did: take() makes one with a single test write, not a search.
  assert.equal(pages.take().length, PAGE);
  assert.equal(pages.allocated, 2);
  pages.close();
});

/** Prepared pages, or undefined (the test skipped) where this file system takes no direct writes. */
async function preparedPages(t: { skip(message: string): void }): Promise<DirectPages | undefined> {
  const pages = new DirectPages(tempDir());
  await pages.prepare();
  if (pages.usable && pages.allocated > 0) return pages;
  t.skip('no direct writes here');
  pages.close();
  return undefined;
}

const openFiles = () => fs.readdirSync('/proc/self/fd').length;

test('take makes the next pages ahead on the thread pool, so taking them makes none on the caller\'s thread', async (t) => {
  const pages = await preparedPages(t);
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

test('close while a page is made ahead closes the probe file once that write ends, and makes no more', async (t) => {
  const before = openFiles();
  const pages = await preparedPages(t);
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
