/** A device profile with one mock rule, and its share link, for tests of profile sharing. */
import { profileShareLink, toProfileExport } from '../../electron/common/profile-share';
import type { DeviceProfile } from '../../electron/common/rule';

export const sharedProfile: DeviceProfile = {
  id: 'p1',
  name: 'Pixel — staging',
  clients: ['127.0.0.2'],
  rules: [
    { id: 'r1', name: 'down', enabled: true, priority: 0, scope: { profile: 'p1' }, matchers: [{ type: 'url', pattern: 'https://api.test/*', syntax: 'wildcard', regex: '^https://api\\.test/.*$' }], action: { type: 'mock', status: 500, headers: [], body: '{"error":"boom"}' } },
  ],
};

export const sharedProfileLink = profileShareLink(toProfileExport(sharedProfile, 1_763_700_000_000));
