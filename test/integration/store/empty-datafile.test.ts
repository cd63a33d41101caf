// Issue 14, item 6: flows.db and its journal truncated to 0 bytes (a full disk, a crash during a rewrite)
// beside body segments and large-body files is damage, not an empty store: everything is kept, a warning
// says so, and a fresh datafile starts beside the kept files.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dataPaths } from '../../../electron/core/paths';
import { journalFile } from '../../../electron/core/store/journal';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { allSummaryIds, capture, flowWithBody, storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
afterEach(() => temp.removeAll());

async function openStore(dataDir: string): Promise<FlowStore> {
  const store = openFlowStore({ dataDir });
  await store.ready;
  return store;
}

/** Every file under bodies/ with its bytes, to show nothing changed. */
function bodyFiles(dataDir: string): Record<string, string> {
  const dir = dataPaths(dataDir).bodiesDir;
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64').slice(0, 64) + `…${fs.statSync(p).size}`;
    }
  };
  walk(dir);
  return out;
}

test('an empty datafile beside stored bodies keeps every body, warns, and starts fresh beside them', async () => {
  const dataDir = temp.make();
  let store = await openStore(dataDir);
  const small = flowWithBody(store, 'a small body, kept in a segment');
  const large = flowWithBody(store, 'x'.repeat(300_000));
  capture(store, [small, large]);
  await store.close();
  const { flowsDb } = dataPaths(dataDir);
  fs.truncateSync(flowsDb, 0);
  fs.truncateSync(journalFile(flowsDb), 0);
  const before = bodyFiles(dataDir);
  const kinds = {
    segment: Object.keys(before).some((f) => f.startsWith('segments')),
    file: Object.keys(before).some((f) => /^[^/]{2}\//.test(f)),
  };

  store = await openStore(dataDir);
  const aside = fs.readdirSync(dataDir).filter((f) => f.startsWith('flows.db.corrupt-'));
  const warnings = store.warnings();
  // The fresh store works; closing it lets any sweep of unused segments run to the end.
  const fresh = storedFlow(store);
  capture(store, [fresh]);
  await store.close();
  const after = bodyFiles(dataDir);
  store = await openStore(dataDir);
  const ids = allSummaryIds(store);
  await store.close();

  assert.deepEqual(
    {
      kinds,
      warnings,
      aside: aside.map((f) => fs.statSync(path.join(dataDir, f)).size),
      keptAll: Object.fromEntries(Object.entries(before).map(([f, v]) => [f, after[f] === v])),
      ids,
    },
    {
      kinds: { segment: true, file: true },
      warnings: [
        `The flow datafile ${flowsDb} is empty although 1 body segment and 1 body file of stored flows exist (a full disk or a crash during a rewrite can do this). ` +
          `Nothing was deleted: the bodies are kept in ${dataPaths(dataDir).bodiesDir}, the empty file was moved to ${path.join(dataDir, aside[0])}, and a new flow datafile was started.`,
      ],
      aside: [0],
      keptAll: Object.fromEntries(Object.keys(before).map((f) => [f, true])),
      ids: [fresh.id],
    },
  );
});

test('a store emptied by the user (bodies zeroed, no body files) opens without a warning', async () => {
  const dataDir = temp.make();
  let store = await openStore(dataDir);
  capture(store, [flowWithBody(store, 'soon gone')]);
  await store.clear();
  await store.close();
  store = await openStore(dataDir);
  const warnings = store.warnings();
  await store.close();
  assert.deepEqual(warnings, []);
});
