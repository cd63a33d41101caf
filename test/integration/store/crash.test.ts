import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { openFlowStore } from '../../../electron/core/store';
import { allSummaryIds, storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
after(() => temp.removeAll());

const STORED = 20_000;

test('kill -9 while flows are captured, the store loads and trims: a restart has every flow that finished more than a second before', { timeout: 180_000 }, async () => {
  const dataDir = temp.make();
  // Enough stored flows that nedb's load and each compaction after a trim take a while: the kill is likely to
  // land while changes wait behind them (the journal must keep those).
  const setup = openFlowStore({ dataDir });
  await setup.ready;
  for (let i = 0; i < STORED; i += 1000) {
    for (let j = 0; j < 1000; j++) setup.flowStarted(storedFlow(setup));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await setup.close();
  // Every 500 flows the child captures trims the 1,000 oldest (pre-stored) flows and compacts the datafile.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crash-child.ts'), dataDir, String(STORED + 500), '1000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const finished: { id: string; at: number }[] = [];
  let killedAt = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const lines = readline.createInterface({ input: child.stdout });
  let readyAt = 0;
  for await (const line of lines) {
    if (line === 'started') {
      readyAt = Date.now();
      continue;
    }
    const [id, at] = line.split(' ');
    finished.push({ id, at: Number(at) });
    // About two seconds of capture (at least 1,500 flows), then the kill.
    if (finished.length >= 1_500 && Date.now() - readyAt >= 2_000) {
      killedAt = Date.now();
      child.kill('SIGKILL');
      break;
    }
  }
  lines.close();
  assert.equal(await exited, 'SIGKILL');

  const store = openFlowStore({ dataDir });
  try {
    await store.ready;
    const stored = new Set(allSummaryIds(store));
    const due = finished.filter((f) => f.at < killedAt - 1_000);
    const missing = due.filter((f) => !stored.has(f.id)).map((f) => f.id);
    assert.ok(due.length >= 500, `only ${due.length} flows finished more than a second before the kill`);
    // Trims took only pre-stored flows (the child's are the newest and fewer than 10,000).
    assert.ok(finished.length < 10_000);
    assert.deepEqual({ missing, warnings: store.warnings().filter((w) => !/ended with an unfinished record/.test(w)) }, { missing: [], warnings: [] });
  } finally {
    await store.close();
  }
});
