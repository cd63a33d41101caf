/**
 * hindsight://profile/ links as the OS hands them over: which are accepted, and how the inbox holds them
 * until a window can hear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, strToU8 } from 'fflate';
import { toBase64Url, toProfileExport } from '../../../electron/common/profile-share';
import { checkProfileLink, MAX_PROFILE_LINK_CHARS, ProfileLinkInbox, registerProtocolClient, schemeLinksInArgv } from '../../../electron/main/profile-links';
import { sharedProfile, sharedProfileLink as link } from '../../helpers/profiles';

const payloadOf = (doc: unknown) => 'hindsight://profile/' + toBase64Url(deflateSync(strToU8(JSON.stringify(doc))));

test('a well-formed link is accepted and made canonical; anything else is refused with the reason', () => {
  const badRule = toProfileExport({ ...sharedProfile, rules: [{ ...sharedProfile.rules[0], action: { type: 'mock', status: 99, headers: [], body: '' } }] }, 0);
  const results = [
    link,
    link.replace('hindsight://profile/', 'HINDSIGHT://Profile/') + '/',
    'hindsight://profile/',
    'hindsight://profile/abc$def',
    'hindsight://rules/' + link.slice('hindsight://profile/'.length),
    'https://example.com/#profile=abc',
    'hindsight://profile/' + 'A'.repeat(MAX_PROFILE_LINK_CHARS),
    'hindsight://profile/AAAA',
    payloadOf({ format: 'hindsight-profile', version: 1, profile: { name: 'x', clients: ['not an ip'] }, rules: [] }),
    payloadOf(badRule),
  ].map((url) => {
    const r = checkProfileLink(url);
    return r.ok ? r : { ok: false, reason: r.reason.replace(/rules\[0\]\.action\.status: .*/, 'rules[0].action.status: …') };
  });
  assert.deepEqual(results, [
    { ok: true, link },
    { ok: true, link },
    { ok: false, reason: 'the payload is not base64url' },
    { ok: false, reason: 'the payload is not base64url' },
    { ok: false, reason: 'not a hindsight://profile/ link' },
    { ok: false, reason: 'not a hindsight://profile/ link' },
    { ok: false, reason: `longer than ${MAX_PROFILE_LINK_CHARS} characters` },
    { ok: false, reason: 'the link is damaged (it does not inflate)' },
    { ok: false, reason: 'clients[0]: "not an ip" is not an IPv4 or IPv6 address' },
    { ok: false, reason: 'rules[0].action.status: …' },
  ]);
});

test('only our scheme is picked out of a command line', () => {
  assert.deepEqual(schemeLinksInArgv(['/opt/Hindsight/hindsight', '--no-sandbox', 'Hindsight:x', 'hindsight://profile/abc', 'https://x/', 'hindsightx']), ['Hindsight:x', 'hindsight://profile/abc']);
});

test('the inbox holds accepted links until connected, delivers each once, logs refusals', () => {
  const log: string[] = [];
  const delivered: string[] = [];
  const accepted: string[] = [];
  const inbox = new ProfileLinkInbox((m) => log.push(m));
  inbox.onDidAccept((l) => accepted.push(l));
  inbox.receive(link);
  inbox.receiveArgv(['electron', '.', 'hindsight://profile/***', '--flag']);
  const first = inbox.connect((l) => delivered.push(`a:${l}`));
  inbox.receive(link);
  first.dispose();
  inbox.receive(link);
  inbox.connect((l) => delivered.push(`b:${l}`));
  inbox.dispose();
  assert.deepEqual({ log, delivered, accepted: accepted.length }, {
    log: ['ignored a link (the payload is not base64url): hindsight://profile/***'],
    delivered: [`a:${link}`, `a:${link}`, `b:${link}`],
    accepted: 3,
  });
});

test('the protocol is registered for the packaged app, and with the app path in development', () => {
  const calls: unknown[][] = [];
  const app = (isPackaged: boolean) => ({ isPackaged, getAppPath: () => '/src/hindsight', setAsDefaultProtocolClient: (...args: unknown[]) => (calls.push(args), true) });
  registerProtocolClient(app(true) as never, '/usr/bin/electron');
  registerProtocolClient(app(false) as never, '/usr/bin/electron');
  assert.deepEqual(calls, [['hindsight'], ['hindsight', '/usr/bin/electron', ['/src/hindsight']]]);
});
