// `hindsight serve` after sustained capture with trims (issue 16): SIGINT ends it with code 0 within ~10 s,
// its store closed cleanly (the last flow finished before the signal is in the datafile, the journal empty).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { dataPaths } from '../../../electron/core/paths';
import { openFlowStore } from '../../../electron/core/store';
import { journalFile } from '../../../electron/core/store/journal';
import { startOrigin, type Origin } from '../../helpers/origin';
import { spawnCli, waitFor } from '../../helpers/cli-process';
import { sustainedLoad } from '../../helpers/sustained-load';
import { curl } from '../capture/clients';

let origin: Origin;
before(async () => {
  origin = await startOrigin();
});
after(async () => {
  await origin.close();
});

test('serve --keep-flows 2000: after sustained capture that trims, SIGINT exits 0 within 10 s with the store closed cleanly', { timeout: 180_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--keep-flows', '2000'], {});
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
    const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)![1]!;
    // --keep-flows 2000 trims 334 at a time: 5,000 requests pass the cap and trim several times over.
    const load = await sustainedLoad({ proxyUrl, url: `http://127.0.0.1:${origin.httpPort}/bytes?n=1024`, expectBytes: 1024, connections: 16, maxRequests: 5_000, maxMs: 30_000 });
    assert.ok(load.ok > 3_000, `only ${load.ok} requests completed (${load.failed} failed)`);
    const last = await curl(proxyUrl, [`http://127.0.0.1:${origin.httpPort}/json?last=1`]);
    assert.equal(last.status, 200);
    const signalled = Date.now();
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited.then(([c]) => c as number | null), new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running after 10 s'), 10_000)))]);
    clearTimeout(timer);
    const exitedWithin10s = Date.now() - signalled < 10_000;
    // Read before the store opens again (its start replays and empties the journal).
    const journalFileName = journalFile(dataPaths(dataDir).flowsDb);
    const journalSize = fs.existsSync(journalFileName) ? fs.statSync(journalFileName).size : 0;
    const store = openFlowStore({ dataDir, maxFlows: 2_000, trimCount: 334 });
    await store.ready;
    const newest = store.query({ limit: 1 }).flows[0];
    const stored = store.count();
    const trimmedTotal = store.lastTrim()?.removedTotal ?? 0;
    await store.close();
    assert.deepEqual(
      {
        code,
        exitedWithin10s,
        stopped: stderr.includes('Stopping…'),
        gaveUp: /gave up/.test(stderr),
        newest: newest?.url,
        storedWithinCap: stored > 0 && stored <= 2_000,
        trimmed: trimmedTotal > 0,
        journalEmpty: journalSize === 0,
      },
      { code: 0, exitedWithin10s: true, stopped: true, gaveUp: false, newest: `http://127.0.0.1:${origin.httpPort}/json?last=1`, storedWithinCap: true, trimmed: true, journalEmpty: true },
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
