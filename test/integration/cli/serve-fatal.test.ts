// `hindsight serve` exits non-zero when its store fails for good (issue 21): here the flow datafile cannot
// be opened (it is a folder). Before, serve kept running, forwarding traffic and keeping none of it; now a
// supervisor (systemd Restart=on-failure, a container restart policy) sees status 1 and the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnCli } from '../../helpers/cli-process';

test('serve exits 1 and names the fatal store error', { timeout: 120_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  fs.mkdirSync(path.join(dataDir, 'flows.db'));
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir], {});
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    const line = stderr.split('\n').find((l) => l.startsWith('hindsight serve: fatal store error:'));
    assert.deepEqual(
      { code, line: line?.replace(dataDir, 'DATA').replace(dataDir, 'DATA') },
      {
        code: 1,
        line: "hindsight serve: fatal store error: The flow datafile DATA/flows.db could not be opened: EISDIR: illegal operation on a directory, open 'DATA/flows.db'; exiting with status 1 so a supervisor restarts it",
      },
    );
  } finally {
    clearTimeout(timer);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
