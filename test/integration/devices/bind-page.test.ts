// Binding a device by scanning (issue 21): the bind link from devices.bindCode, opened through the real
// proxy by curl from 127.0.0.2, binds that address to the profile (and to the user who asked) and leaves a
// cookie; the same cookie from 127.0.0.3 moves the binding instead of adding a second address. Codes are
// short-lived, single-use and never a token: a second phone opening a spent code is told so; a device with
// neither a code nor a known cookie is told to scan one.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectWebSocket } from '../../../electron/core/instance/ws-client';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl } from '../capture/clients';

let proxy: TestCore;
let ui: UiServer;
let jarDir: string;
beforeEach(async () => {
  proxy = await startTestCore();
  ui = await startUiServer(proxy.core, { port: 0, rendererDir: path.join(os.tmpdir(), 'no-renderer') });
  jarDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-jar-'));
});
afterEach(async () => {
  await ui.close();
  await proxy.dispose();
  fs.rmSync(jarDir, { recursive: true, force: true });
});

/** Opens `url` through the proxy from `from`, with a cookie jar (read and written) like a phone's browser. */
function open(url: string, from: string, jar: string) {
  return curl(proxy.proxyUrl, ['--interface', from, '-c', jar, '-b', jar, url]);
}
const text = (html: string) => html.replace(/<style>[\s\S]*<\/style>/, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();

test('a scanned bind link binds 127.0.0.2 to the profile and the user; the same cookie from 127.0.0.3 moves it', async () => {
  const { user, token } = await proxy.core.users.add('tess', 'member');
  void user;
  const profile = await proxy.core.rules.store.saveProfile({ name: 'Test phones', clients: ['10.9.9.9'] });
  const asAdmin = await connectWebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, ui.token);
  const asTess = await connectWebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, token);
  try {
    const link = await asAdmin.call('devices.bindCode', { profileId: profile.id });
    const mine = await asTess.call('devices.bindCode', { forMe: true });
    const tessForProfile = await asTess.call('devices.bindCode', { profileId: profile.id }).then(
      () => 'issued',
      (err: Error & { code?: string }) => err.code,
    );
    assert.match(link.url, /^http:\/\/hindsight\.ca\/bind\/[\w-]{22}$/);
    assert.ok(!link.url.includes(ui.token) && !mine.url.includes(token), 'a bind link never carries a token');

    const jar = path.join(jarDir, 'phone.txt');
    const first = await open(link.url, '127.0.0.2', jar);
    const second = await open(mine.url, '127.0.0.2', jar);
    const cookie = fs.readFileSync(jar, 'utf8').match(/hindsight_device\t([\w-]{43})/)?.[1];
    const moved = await open('http://hindsight.ca/bind', '127.0.0.3', jar);
    assert.deepEqual(
      {
        tessForProfile,
        first: [first.status, text(first.body)],
        second: second.status,
        moved: [moved.status, text(moved.body)],
        cookieKept: fs.readFileSync(jar, 'utf8').includes(`hindsight_device\t${cookie}`),
        profileClients: proxy.core.rules.store.profile(profile.id).clients,
        tessDevices: proxy.core.users.list().find((u) => u.name === 'tess')?.devices,
        tessSession: (await asTess.call('session.get', {})).user,
        devicesFileMode: (fs.statSync(path.join(proxy.dataDir, 'devices.json')).mode & 0o777).toString(8),
        recorded: proxy.core.store.query({}).total,
      },
      {
        tessForProfile: 'forbidden',
        first: [
          200,
          'Hindsight — Device bound Device bound This device (127.0.0.2) is bound to profile Test phones. When this device\'s address changes, open http://hindsight.ca/bind again through the proxy to move the binding.',
        ],
        second: 200,
        moved: [
          200,
          'Hindsight — Device bound Device bound This device (127.0.0.3) is bound to profile Test phones and user tess. It was 127.0.0.2 before; that address is no longer bound. When this device\'s address changes, open http://hindsight.ca/bind again through the proxy to move the binding.',
        ],
        cookieKept: true,
        profileClients: ['10.9.9.9', '127.0.0.3'],
        tessDevices: ['127.0.0.3'],
        tessSession: { name: 'tess', role: 'member', devices: ['127.0.0.3'] },
        devicesFileMode: '600',
        recorded: 0,
      },
    );
  } finally {
    asAdmin.dispose();
    asTess.dispose();
  }
});

test('a code binds one phone: a second phone is told it was used and binds with a new code beside the first; unknown codes and devices are refused', async () => {
  const profile = await proxy.core.rules.store.saveProfile({ name: 'Lab', clients: [] });
  const code = await proxy.core.devices.issueCode({ profileId: profile.id });
  const a = await open(`http://hindsight.ca/bind/${code.code}`, '127.0.0.2', path.join(jarDir, 'a.txt'));
  const spent = await open(`http://hindsight.ca/bind/${code.code}`, '127.0.0.3', path.join(jarDir, 'b.txt'));
  const again = await open(`http://hindsight.ca/bind/${code.code}`, '127.0.0.2', path.join(jarDir, 'a.txt'));
  const next = await proxy.core.devices.issueCode({ profileId: profile.id });
  const b = await open(`http://hindsight.ca/bind/${next.code}`, '127.0.0.3', path.join(jarDir, 'b.txt'));
  const unknownCode = await open('http://hindsight.ca/bind/not-a-real-code', '127.0.0.4', path.join(jarDir, 'c.txt'));
  const noCookie = await open('http://hindsight.ca/bind', '127.0.0.4', path.join(jarDir, 'd.txt'));
  const badCode = await open('http://hindsight.ca/bind/%3Cscript%3E', '127.0.0.4', path.join(jarDir, 'e.txt'));
  const setup = await open('http://hindsight.ca/', '127.0.0.4', path.join(jarDir, 'f.txt'));
  assert.deepEqual(
    {
      statuses: [a.status, spent.status, again.status, b.status, unknownCode.status, noCookie.status, badCode.status, setup.status],
      spent: text(spent.body).replace(/^.*?Code already used Code already used /, ''),
      unknownCode: text(unknownCode.body).replace(/^.*?Not bound Not bound /, ''),
      noCookie: text(noCookie.body).replace(/^.*?Not bound Not bound /, ''),
      clients: proxy.core.rules.store.profile(profile.id).clients,
      setupPage: /Trust Hindsight on this device/.test(setup.body),
    },
    {
      statuses: [200, 410, 200, 200, 410, 404, 400, 200],
      spent: 'This bind code was already used: each code binds one device. For this one, press New code under the QR code in Hindsight (on the device profile, or on your user) and scan the new code.',
      unknownCode: 'This bind code is unknown or has expired. Show the QR code again in Hindsight and scan the new one.',
      noCookie: 'This device is not bound yet. Scan the QR code a device profile or a user shows in Hindsight.',
      clients: ['127.0.0.2', '127.0.0.3'],
      setupPage: true,
    },
  );
});

test('over HTTPS (inside a CONNECT tunnel) the bound address is still the phone’s own, not 127.0.0.1', async () => {
  const profile = await proxy.core.rules.store.saveProfile({ name: 'Secure', clients: [] });
  const code = await proxy.core.devices.issueCode({ profileId: profile.id });
  const ca = path.join(jarDir, 'ca.pem');
  fs.writeFileSync(ca, proxy.caPem);
  const result = await curl(proxy.proxyUrl, ['--interface', '127.0.0.5', '--cacert', ca, `https://hindsight.ca/bind/${code.code}`]);
  assert.deepEqual([result.status, /This device \(127\.0\.0\.5\) is bound to profile Secure/.test(text(result.body)), proxy.core.rules.store.profile(profile.id).clients], [200, true, ['127.0.0.5']]);
});
