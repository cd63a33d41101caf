/**
 * What opening the bind page does (bind-page.ts serves it): a device with a valid code joins the code's
 * profile and/or user; a device whose cookie is known and whose address changed has its old address
 * replaced by the new one everywhere it was bound, so it is never bound twice. The address is always the
 * real client address the proxy saw (the outer connection's, also inside a CONNECT tunnel).
 */
import crypto from 'node:crypto';
import type { DeviceProfile } from '../../common/rule';
import type { RuleBook } from '../rules/rule-book';
import type { UserDirectory } from '../users/types';
import type { BindCode, BindTarget, DeviceBindings, DeviceRecord } from './types';

/** How long a bind code (a QR code on screen) stays valid: long enough to find the phone, short enough not to matter when leaked. */
export const BIND_CODE_TTL_MS = 15 * 60_000;

export type BindOutcome =
  | {
      ok: true;
      /** The device's cookie value: new for a device seen the first time. */
      cookie: string;
      address: string;
      /** The address this device had before, when the binding moved. */
      movedFrom?: string;
      profiles: string[];
      users: string[];
    }
  | { ok: false; cookie?: string; reason: 'expired-code' | 'unknown-device'; message: string };

export interface DeviceBinder {
  issueCode(target: BindTarget): BindCode;
  /** `code` from the link (absent when the page is opened again without one), `cookie` from the device. */
  bind(input: { code?: string; cookie?: string; address: string }): Promise<BindOutcome>;
  dispose(): void;
}

export function createDeviceBinder(deps: { store: DeviceBindings; rules: RuleBook; users: UserDirectory }): DeviceBinder {
  const { store, rules, users } = deps;
  /** Binds run one at a time: two phones scanning at once must not lose each other's profile save. */
  let queue: Promise<unknown> = Promise.resolve();

  async function moveInProfile(profile: DeviceProfile, address: string, from: string | undefined): Promise<void> {
    const next = [...profile.clients.filter((c) => c !== from && c !== address), address];
    if (next.length === profile.clients.length && next.every((c) => profile.clients.includes(c))) return;
    // Only name and clients are sent: the profile keeps its rules and conditions.
    await rules.saveProfile({ id: profile.id, name: profile.name, clients: next, ...(profile.savedBy ? { savedBy: profile.savedBy } : {}) });
  }

  async function bindNow(input: { code?: string; cookie?: string; address: string }): Promise<BindOutcome> {
    const key = input.cookie ? keyOf(input.cookie) : undefined;
    const known = key ? store.device(key) : undefined;
    const target = input.code ? store.codeTarget(input.code) : undefined;
    if (input.code && !target) {
      return { ok: false, cookie: known ? input.cookie : undefined, reason: 'expired-code', message: 'This bind code is unknown or has expired. Show the QR code again in Hindsight and scan the new one.' };
    }
    if (!target && !known) {
      return { ok: false, reason: 'unknown-device', message: 'This device is not bound yet. Scan the QR code a device profile or a user shows in Hindsight.' };
    }
    const cookie = known ? input.cookie! : crypto.randomBytes(32).toString('base64url');
    const record: DeviceRecord = known ?? { key: keyOf(cookie), address: input.address, profiles: [], users: [], boundAt: Date.now() };
    const movedFrom = known && known.address !== input.address ? known.address : undefined;
    if (target?.profileId && !record.profiles.includes(target.profileId)) record.profiles.push(target.profileId);
    if (target?.user && !record.users.includes(target.user)) record.users.push(target.user);
    const profiles = rules.profileList().filter((p) => record.profiles.includes(p.id));
    for (const profile of profiles) await moveInProfile(profile, input.address, movedFrom);
    const boundUsers = record.users.filter((name) => users.bindDevice(name, input.address, movedFrom));
    // Profiles and users deleted since are forgotten, so the record names only live bindings.
    record.profiles = profiles.map((p) => p.id);
    record.users = boundUsers;
    record.address = input.address;
    record.boundAt = Date.now();
    store.saveDevice(record);
    return { ok: true, cookie, address: input.address, ...(movedFrom ? { movedFrom } : {}), profiles: profiles.map((p) => p.name), users: boundUsers };
  }

  return {
    issueCode: (target) => store.issueCode(target, BIND_CODE_TTL_MS),
    bind(input) {
      const run = queue.then(() => bindNow(input));
      queue = run.catch(() => {});
      return run;
    },
    dispose: () => store.dispose(),
  };
}

function keyOf(cookie: string): string {
  return crypto.createHash('sha256').update(cookie).digest('hex');
}
