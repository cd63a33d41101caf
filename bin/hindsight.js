#!/usr/bin/env node
// The `hindsight` command. The CLI is compiled to dist/ by `npm run build` (run on install by `prepare`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'electron', 'cli', 'index.js');
// A rebuild swaps dist/ with two renames (scripts/dist-swap.mjs). Between them, for an instant, dist/ is
// missing and the previous build's folder (.dist-previous-<pid>) is there; a load that began just before
// may also find a file gone. Either way: wait a moment and load again (5 s at most, 20 ms at a time).
const swapping = () => fs.readdirSync(root).some((name) => name.startsWith('.dist-previous-'));
const notBuilt = () => {
  console.error('hindsight: not built yet. Run `npm run build` in ' + root);
  process.exit(1);
};
let cli;
for (let attempt = 0; !cli; attempt++) {
  try {
    cli = require(entry);
  } catch (err) {
    if (!err || (err.code !== 'MODULE_NOT_FOUND' && err.code !== 'ENOENT')) throw err;
    // Once more after a first failure in any case (a swap may have just ended); after that only while a
    // swap is under way. A module missing from a complete build is a real error, not "not built".
    if (attempt > 0 && !swapping()) {
      if (fs.existsSync(entry)) throw err;
      notBuilt();
    }
    if (attempt >= 250) notBuilt();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}
cli.main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error('hindsight: ' + (err && err.message ? err.message : String(err))); process.exitCode = 1; },
);
