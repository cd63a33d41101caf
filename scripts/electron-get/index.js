// The @electron/get that electron's own install script (`node install.js`, its postinstall) loads: the
// root package.json names this folder as its "@electron/get" and electron's `^2.0.0` dedupes onto it.
// Everything is the real @electron/get (the root's "electron-get-upstream" alias) except one thing: when the
// Electron binary cannot be downloaded (offline, github.com unreachable, a proxy in the way), the
// install script must not fail, because npm then rolls back the whole node_modules and `npm start`
// never runs. So a failed download prints one line and ends the install script successfully;
// `npm start` tries the download again and otherwise starts the app headless (scripts/start.mjs).
'use strict';
const upstream = require('electron-get-upstream');

async function downloadArtifact(details) {
  try {
    return await upstream.downloadArtifact(details);
  } catch (err) {
    const why = String((err && err.message) || err).split('\n')[0];
    console.warn(`electron: the Electron binary could not be downloaded (${why}); \`npm start\` tries again, and runs the app headless while it cannot.`);
    // install.js would print the stack and exit 1; ending here with 0 keeps npm's install.
    process.exit(0);
  }
}

module.exports = { ...upstream, downloadArtifact };
