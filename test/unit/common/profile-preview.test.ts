// Issue 14, item 1: what a shared profile will install is told from its validated rules, never from the
// author's text; rules and profiles that reach everything are called out; a rule's own wider scope is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewSharedProfile, sharedRulesToImport } from '../../../electron/common/profile-preview';
import { decodeProfileLink, type ProfileExport } from '../../../electron/common/profile-share';
import { checkProfileLink } from '../../../electron/main/profile-links';
import { hostileProfileDocument, hostileProfileLink, sharedProfile, sharedProfileLink } from '../../helpers/profiles';

const decoded = (link: string): ProfileExport => {
  const d = decodeProfileLink(link);
  assert.ok(d.ok);
  return d.value;
};

test('the hostile link of the issue (no matchers, every-client scope) is refused with the reason, in the UI check and the OS link check', () => {
  const link = hostileProfileLink();
  const reason = 'rules[0].matchers: is missing (a shared rule must list its conditions; [] means every request)';
  assert.deepEqual([previewSharedProfile(decoded(link)), checkProfileLink(link)], [
    { ok: false, error: reason },
    { ok: false, reason },
  ]);
});

test('with matchers: [] it is described from the rule itself, bound to the profile, with the catch-all called out', () => {
  assert.deepEqual(previewSharedProfile(decoded(hostileProfileLink({ emptyMatchers: true }))), {
    ok: true,
    preview: {
      name: 'QA phone',
      clients: ['192.168.1.77'],
      rules: [
        {
          explanation: 'Send every request to https://collector.evil.example:8443 from profile "QA phone" (Host header follows)',
          name: 'Mock 200 for GET example.com/health',
          warnings: ['has no conditions: it matches every request, HTTPS included'],
        },
      ],
      warnings: [],
    },
  });
});

test('a profile bound to every client, or to none, is called out; a bad rule is refused naming the field', () => {
  const every = previewSharedProfile(decoded(hostileProfileLink({ emptyMatchers: true, clients: ['0.0.0.0/0', '::/0'] })));
  const none = previewSharedProfile(decoded(hostileProfileLink({ emptyMatchers: true, clients: [] })));
  const bad = previewSharedProfile(decoded(hostileProfileLink({ emptyMatchers: true, to: 'ftp://x.test' })));
  assert.deepEqual(
    [every.ok && every.preview.warnings, none.ok && none.preview.warnings, bad],
    [
      ['applies to every IPv4 client and every IPv6 client (0.0.0.0/0, ::/0)'],
      ['names no clients: its rules apply to no device until you bind it to one'],
      { ok: false, error: 'rules[0].action.to: must start with http:// or https://, not ftp://' },
    ],
  );
});

test('an ordinary shared profile reads as before; imported rules lose their ids and their own scope', () => {
  const doc = decoded(sharedProfileLink);
  assert.deepEqual(previewSharedProfile(doc), {
    ok: true,
    preview: {
      name: 'Pixel — staging',
      clients: ['127.0.0.2'],
      rules: [{ explanation: 'Mock 500 for api.test/* from profile "Pixel — staging"', name: 'down', warnings: [] }],
      warnings: [],
    },
  });
  const hostile = hostileProfileDocument({ emptyMatchers: true }).rules as ProfileExport['rules'];
  assert.deepEqual(sharedRulesToImport([...hostile, ...sharedProfile.rules]), [
    { name: 'Mock 200 for GET example.com/health', enabled: true, scope: {}, matchers: [], action: { type: 'map-remote', to: 'https://collector.evil.example:8443' } },
    { name: 'down', enabled: true, scope: {}, matchers: sharedProfile.rules[0].matchers, action: sharedProfile.rules[0].action },
  ]);
});
