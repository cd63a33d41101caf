// HTTP/2 on/off as set in Settings (API http2.get/http2.set): kept in <data>/http2.json (owner-only), applied to
// new connections without a restart (the ALPN a fresh tunnel's TLS negotiates), read again at the next start,
// and `serve --http2` (CoreOptions.http2) wins over it for its run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { createApiHandlers } from '../../../../electron/core/api/handlers';
import { createCore } from '../../../../electron/core/core';
import type { Core, CoreOptions } from '../../../../electron/core/core-types';
import { startTestCore } from '../../../helpers/core';
import { testLookup } from '../../../helpers/origin';
import { tunnel } from '../../../helpers/h2';

/** The protocol a new CONNECT tunnel's TLS negotiates when the client offers h2 and http/1.1. */
async function alpn(core: Core): Promise<string | false | null> {
  const socket = await tunnel(core.proxyAddress().port, 'h2.test:443');
  const secure = tls.connect({ socket, servername: 'h2.test', ca: [core.ca.certPem], ALPNProtocols: ['h2', 'http/1.1'] });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    return secure.alpnProtocol;
  } finally {
    secure.destroy();
  }
}

async function seen(core: Core) {
  const api = createApiHandlers(core);
  return { info: await api['http2.get']({}), alpn: await alpn(core) };
}

const restart = (dataDir: string, options: Partial<CoreOptions> = {}) => createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, version: 'test', ...options });

test('Settings switch HTTP/2 for new connections at once, keep the choice owner-only, and --http2 wins for its run', async () => {
  const first = await startTestCore();
  const { dataDir } = first;
  let later: Core | undefined;
  try {
    const api = createApiHandlers(first.core);
    assert.deepEqual(await seen(first.core), { info: { saved: 'auto', effective: 'auto' }, alpn: 'h2' });

    assert.deepEqual(await api['http2.set']({ mode: 'off' }), { saved: 'off', effective: 'off' });
    const file = path.join(dataDir, 'http2.json');
    assert.deepEqual({ kept: JSON.parse(fs.readFileSync(file, 'utf8')), mode: fs.statSync(file).mode & 0o777 }, { kept: { version: 1, mode: 'off' }, mode: 0o600 });
    assert.deepEqual(await seen(first.core), { info: { saved: 'off', effective: 'off' }, alpn: 'http/1.1' });
    await assert.rejects(api['http2.set']({ mode: 'on' as never }), /http2\.set: param 'mode' must be "auto" or "off"/);

    assert.deepEqual(await api['http2.set']({ mode: 'auto' }), { saved: 'auto', effective: 'auto' });
    assert.deepEqual(await alpn(first.core), 'h2');
    await api['http2.set']({ mode: 'off' });
    await first.core.dispose();

    // The next start reads the choice.
    later = await restart(dataDir);
    assert.deepEqual(await seen(later), { info: { saved: 'off', effective: 'off' }, alpn: 'http/1.1' });
    await later.dispose();

    // The command line wins for its run; a change in Settings is saved but waits for a start without the flag.
    later = await restart(dataDir, { http2: 'auto' });
    assert.deepEqual(await seen(later), { info: { saved: 'off', effective: 'auto', fromFlag: 'auto' }, alpn: 'h2' });
    assert.deepEqual(await createApiHandlers(later)['http2.set']({ mode: 'off' }), { saved: 'off', effective: 'auto', fromFlag: 'auto' });
    assert.deepEqual(await alpn(later), 'h2');
    await later.dispose();

    // A damaged file is named at start and HTTP/2 stays on.
    fs.writeFileSync(file, '{"mode": "sometimes"}');
    later = await restart(dataDir);
    assert.deepEqual(
      { info: await createApiHandlers(later)['http2.get']({}), notice: later.startupNotices.filter((n) => n.startsWith('HTTP/2')) },
      { info: { saved: 'auto', effective: 'auto' }, notice: [`HTTP/2: ${file}: 'mode' must be "auto" or "off"; HTTP/2 stays on`] },
    );
  } finally {
    await later?.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
