// `hindsight serve --no-capture`: the proxy forwards, nothing is recorded, and the banner says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { openFlowStore } from '../../../electron/core/store';
import { startOrigin, type Origin } from '../../helpers/origin';
import { curl, pemFile } from '../capture/clients';
import { spawnCli, waitFor } from '../../helpers/cli-process';

let origin: Origin;
let originCa: ReturnType<typeof pemFile>;
before(async () => {
  origin = await startOrigin();
  originCa = pemFile(origin.caPem);
});
after(async () => {
  originCa.dispose();
  await origin.close();
});

test('--no-capture: curl through the proxy gets its answers over HTTP and HTTPS, and the data folder holds no flow', { timeout: 120_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const child = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--no-capture'], { NODE_EXTRA_CA_CERTS: originCa.file });
  const exited = once(child, 'exit');
  try {
    const banner = await waitFor(child.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the banner');
    const proxyUrl = /^Proxy: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(banner)![1];
    const caPath = /^CA: +(\S+)/m.exec(banner)![1];
    const plain = await curl(proxyUrl, [`http://127.0.0.1:${origin.httpPort}/json`]);
    const secure = await curl(proxyUrl, [`https://127.0.0.1:${origin.httpsPort}/json`], { caFile: caPath });
    child.kill('SIGTERM');
    const [code] = await exited;
    const store = openFlowStore({ dataDir });
    await store.ready;
    const stored = store.count();
    await store.close();
    assert.deepEqual(
      { line: /^Capture: off \(--no-capture\)/m.test(banner), plain: [plain.status, plain.body], secure: [secure.status, secure.body], code, stored },
      { line: true, plain: [200, '{"hello":"world"}'], secure: [200, '{"hello":"world"}'], code: 0, stored: 0 },
    );
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
