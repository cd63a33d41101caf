/**
 * What opening the bind page does (bind-page.ts serves it): a device with a valid code joins the code's
 * profile and/or user, and the code is spent (the same device may open it again; another is told it was
 * used); a device whose cookie is known and whose address changed has its old address
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
  | { ok: false; cookie?: string; reason: 'expired-code' | 'used-code' | 'unknown-device'; message: string };

export interface DeviceBinder {
  issueCode(target: BindTarget): Promise<BindCode>;
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
    const known = input.cookie ? await store.device(keyOf(input.cookie)) : undefined;
    // A device seen the first time gets its cookie now: the code is spent in its name.
    const cookie = known ? input.cookie! : crypto.randomBytes(32).toString('base64url');
    const key = keyOf(cookie);
    const claim = input.code ? await store.claimCode(input.code, key) : undefined;
    if (claim && !claim.ok) {
      const kept = known ? input.cookie : undefined;
      if (claim.reason === 'used') return { ok: false, cookie: kept, reason: 'used-code', message: USED_CODE_MESSAGE };
      return { ok: false, cookie: kept, reason: 'expired-code', message: 'This bind code is unknown or has expired. Show the QR code again in Hindsight and scan the new one.' };
    }
    const target = claim?.ok ? claim.target : undefined;
    if (!target && !known) {
      return { ok: false, reason: 'unknown-device', message: 'This device is not bound yet. Scan the QR code a device profile or a user shows in Hindsight.' };
    }
    try {
      return await bindTo(input.address, cookie, known ?? { key, address: input.address, profiles: [], users: [], boundAt: Date.now() }, known, target);
    } catch (err) {
      // Nothing was bound: the code is this device's to try again.
      if (input.code && claim?.ok && claim.first) await store.releaseCode(input.code, key).catch(() => {});
      throw err;
    }
  }

  /** Adds the code's target (if any) to the device's record and moves its bindings to `address`. */
  async function bindTo(address: string, cookie: string, record: DeviceRecord, known: DeviceRecord | undefined, target: BindTarget | undefined): Promise<BindOutcome> {
    const movedFrom = known && known.address !== address ? known.address : undefined;
    if (target?.profileId && !record.profiles.includes(target.profileId)) record.profiles.push(target.profileId);
    if (target?.user && !record.users.includes(target.user)) record.users.push(target.user);
    const profiles = rules.profileList().filter((p) => record.profiles.includes(p.id));
    for (const profile of profiles) await moveInProfile(profile, address, movedFrom);
    const boundUsers: string[] = [];
    for (const name of record.users) if (await users.bindDevice(name, address, movedFrom)) boundUsers.push(name);
    // Profiles and users deleted since are forgotten, so the record names only live bindings.
    record.profiles = profiles.map((p) => p.id);
    record.users = boundUsers;
    record.address = address;
    record.boundAt = Date.now();
    await store.saveDevice(record);
    return { ok: true, cookie, address: address, ...(movedFrom ? { movedFrom } : {}), profiles: profiles.map((p) => p.name), users: boundUsers };
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

const USED_CODE_MESSAGE =
  'This bind code was already used: each code binds one device. For this one, press New code under the QR code in Hindsight (on the device profile, or on your user) and scan the new code.';

function keyOf(cookie: string): string {
  return crypto.createHash('sha256').update(cookie).digest('hex');
}
