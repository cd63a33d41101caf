import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { openFlowStore } from '../../../electron/core/store';
import { allSummaryIds, tempDirs } from './store-helpers';

const temp = tempDirs();
after(() => temp.removeAll());

test('kill -9 while flows are captured: a restart has every flow that finished more than a second before', { timeout: 120_000 }, async () => {
  const dataDir = temp.make();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crash-child.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const finished: { id: string; at: number }[] = [];
  let killedAt = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const lines = readline.createInterface({ input: child.stdout });
  let readyAt = 0;
  for await (const line of lines) {
    if (line === 'ready') {
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
    assert.deepEqual({ missing, warnings: store.warnings().filter((w) => !w.startsWith('The flow datafile ended with an unfinished record')) }, { missing: [], warnings: [] });
  } finally {
    await store.close();
  }
});
