import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeProfileLink,
  fromBase64Url,
  parseProfileExport,
  profileShareLink,
  profileShareUrl,
  toBase64Url,
  toProfileExport,
} from '../../../electron/common/profile-share';
import type { DeviceProfile } from '../../../electron/common/rule';

const profile: DeviceProfile = {
  id: 'p1',
  name: 'Pixel — staging ✓',
  clients: ['127.0.0.2', '10.0.0.0/8'],
  rules: [
    { id: 'r1', name: 'down', enabled: true, priority: 0, scope: { profile: 'p1' }, matchers: [{ type: 'url', pattern: 'https://api.test/*', syntax: 'wildcard', regex: '^https://api\\.test/.*$' }], action: { type: 'mock', status: 500, headers: [], body: '{"error":"boom"}' } },
  ],
};

describe('profile share', () => {
  it('round-trips through the app link and the UI fragment link', () => {
    const doc = toProfileExport(profile, 1_763_700_000_000);
    const link = profileShareLink(doc);
    const url = profileShareUrl('http://127.0.0.1:8081/#token=secret', doc);
    assert.match(link, /^hindsight:\/\/profile\/[A-Za-z0-9_-]+$/);
    assert.match(url, /^http:\/\/127\.0\.0\.1:8081\/#profile=[A-Za-z0-9_-]+$/);
    assert.deepEqual([decodeProfileLink(link), decodeProfileLink(url)], [{ ok: true, value: doc }, { ok: true, value: doc }]);
  });

  it('base64url round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes)));
    assert.equal(toBase64Url(new Uint8Array([251, 255])), Buffer.from([251, 255]).toString('base64url'));
  });

  it('names what is wrong with a damaged link or document', () => {
    assert.deepEqual(
      [
        decodeProfileLink('hindsight://profile/***'),
        decodeProfileLink('hindsight://profile/AAAA'),
        decodeProfileLink('http://x/#other=1'),
        parseProfileExport({ format: 'hindsight-profile', version: 2 }),
        parseProfileExport({ format: 'hindsight-profile', version: 1, profile: { name: 'x', clients: [1] }, rules: [] }),
        parseProfileExport({ format: 'hindsight-profile', version: 1, profile: { name: 'x', clients: [] }, rules: [3] }),
      ],
      [
        { ok: false, error: 'the link is damaged (not base64url)' },
        { ok: false, error: 'the link is damaged (it does not inflate)' },
        { ok: false, error: 'the link has no #profile= part' },
        { ok: false, error: 'version: 2 is not supported (this Hindsight reads version 1)' },
        { ok: false, error: 'profile.clients: must be an array of IPs or CIDRs' },
        { ok: false, error: 'rules[0]: must be an object' },
      ],
    );
  });
});

describe('profile share of connection rules', () => {
  it('keeps passthrough, do-not-record and upstream proxies (password dropped); never client certificates', () => {
    const rule = (id: string, action: DeviceProfile['rules'][number]['action']) => ({ id, name: id, enabled: true, priority: 0, scope: { profile: 'p2' }, matchers: [{ type: 'host' as const, host: 'bank.test' }], action });
    const withConnections: DeviceProfile = {
      id: 'p2',
      name: 'Corp laptop',
      clients: ['10.1.2.3'],
      rules: [
        rule('a', { type: 'passthrough' }),
        rule('b', { type: 'do-not-record' }),
        rule('c', { type: 'upstream-proxy', proxy: 'socks5h://me:secret@proxy.corp:1080' }),
        rule('d', { type: 'client-certificate', certificate: '0b0c3a52-9f3e-4a43-8f5e-111111111111', subject: 'CN=me' }),
      ],
    };
    const decoded = decodeProfileLink(profileShareLink(toProfileExport(withConnections, 1)));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.rules, [rule('a', { type: 'passthrough' }), rule('b', { type: 'do-not-record' }), rule('c', { type: 'upstream-proxy', proxy: 'socks5h://me@proxy.corp:1080' })]);
  });
});
