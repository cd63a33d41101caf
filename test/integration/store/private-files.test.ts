// Issue 14, item 5: with the usual umask 022, everything under the data folder — flows.db and its journal,
// rules.db, body segments, large-body files, their folders — is owner-only; a store left readable by an
// older version is tightened at start, and the log says so once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOrigin, type Origin } from '../../helpers/origin';
import { createCore } from '../../../electron/core/core';
import { startTestCore } from '../../helpers/core';
import { curl } from '../capture/clients';

let origin: Origin;
let umask: number;

before(async () => {
  umask = process.umask(0o022);
  origin = await startOrigin();
});
after(async () => {
  process.umask(umask);
  await origin.close();
});

/** Every entry under dir with its permission bits, as `relative path → mode`; folders end in `/`. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (entry: string) => {
    const stat = fs.lstatSync(entry);
    const rel = path.relative(dir, entry) || '.';
    out[stat.isDirectory() ? `${rel}/` : rel] = (stat.mode & 0o777).toString(8);
    if (stat.isDirectory()) for (const name of fs.readdirSync(entry)) walk(path.join(entry, name));
  };
  walk(dir);
  return out;
}

function loose(all: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(all).filter(([name, mode]) => mode !== (name.endsWith('/') ? '700' : '600')));
}

test('a store made under umask 022 is owner-only, every file and folder', async () => {
  const t = await startTestCore({ origin });
  try {
    // A small body goes to a segment, a large one (over 128 KB) to its own file.
    await curl(t.proxyUrl, ['-s', '-o', '/dev/null', origin.url('/json')]);
    await curl(t.proxyUrl, ['-s', '-o', '/dev/null', origin.url('/bytes?n=300000')]);
    await t.finishedFlows(2);
    await t.core.rules.store.save({ name: 'r', matchers: [], action: { type: 'breakpoint', on: 'request' }, enabled: false });
  } finally {
    await t.core.dispose();
  }
  const all = modes(t.dataDir);
  const names = Object.keys(all);
  const kinds = {
    flowsDb: names.includes('flows.db'),
    rulesDb: names.includes('rules.db'),
    segment: names.some((n) => n.startsWith('bodies/segments/') && !n.endsWith('/')),
    largeBody: names.some((n) => /^bodies\/[^/]{2}\/./.test(n)),
    caKey: names.includes('ca/ca.key'),
  };
  fs.rmSync(t.dataDir, { recursive: true, force: true });
  assert.deepEqual({ kinds, loose: loose(all) }, { kinds: { flowsDb: true, rulesDb: true, segment: true, largeBody: true, caKey: true }, loose: {} });
});

test('a store left readable by others is tightened at start, and the log says so once', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  try {
    fs.chmodSync(dataDir, 0o755);
    fs.mkdirSync(path.join(dataDir, 'bodies', 'ab'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(dataDir, 'flows.db'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'rules.db'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'bodies', 'ab', 'abcdef'), 'secret', { mode: 0o644 });
    // Not Hindsight's: `--data` may point at a folder that holds other things; those stay as they are.
    fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'mine', { mode: 0o644 });
    const start = () => createCore({ dataDir, host: '127.0.0.1', port: 0, version: 'test' });
    const first = await start();
    const notices = [...first.startupNotices];
    await first.dispose();
    const second = await start();
    const again = [...second.startupNotices];
    await second.dispose();
    assert.deepEqual(
      { notices, again, loose: loose(modes(dataDir)) },
      { notices: [`Data folder: made 6 entries under ${dataDir} owner-only (files 0600, folders 0700)`], again: [], loose: { 'notes.txt': '644' } },
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
