#!/usr/bin/env node
// The `hindsight` command. The CLI is compiled to dist/ by `npm run build` (run on install by `prepare`).
'use strict';
const path = require('node:path');
const entry = path.join(__dirname, '..', 'dist', 'electron', 'cli', 'index.js');
try {
  require.resolve(entry);
} catch {
  console.error('hindsight: not built yet. Run `npm run build` in ' + path.join(__dirname, '..'));
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error('hindsight: ' + (err && err.message ? err.message : String(err))); process.exitCode = 1; },
);
