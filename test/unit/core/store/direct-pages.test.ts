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

test('prepare after close, or in a folder where nothing can be written, never rejects', async () => {
  const closed = new DirectPages(tempDir());
  closed.close();
  await closed.prepare();
  const missing = new DirectPages('/nonexistent/hindsight-direct-pages');
  await missing.prepare();
  assert.deepStrictEqual([closed.allocated, missing.allocated], [0, 0]);
  assert.throws(() => missing.take(), { code: 'ENOENT' });
});
