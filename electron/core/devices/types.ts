/**
 * Binding a device by scanning (issue 21): a bind code names what a device joins (a device profile, a
 * user, or both); the device keeps a cookie whose record remembers where it was bound, so when its address
 * changes, opening the page again moves the binding. A code binds one device and is then spent.
 * Behind one small interface: the embedded store keeps devices in an owner-only file and codes in memory
 * (bindings-file.ts); on a PostgreSQL store both are rows every node shares (pg-store.ts), so a code shown by
 * one node binds through any node's proxy, once.
 */

/** What a scanned code binds a device to. */
export interface BindTarget {
  /** A device profile id: the device's address joins the profile's clients. */
  profileId?: string;
  /** A user name: the address joins the user's devices (their default flow view). */
  user?: string;
}

export interface BindCode {
  /** 128 random bits, base64url: the only secret in the link (never the UI token). */
  code: string;
  target: BindTarget;
  expiresAt: number;
}

/** One bound device, keyed by the SHA-256 of its cookie (a stolen devices file binds nothing). */
export interface DeviceRecord {
  key: string;
  /** The client address it had when it last opened the bind page. */
  address: string;
  profiles: string[];
  users: string[];
  boundAt: number;
}

/** What spending a code gave: its target, or why not. */
export type CodeClaim =
  | {
      ok: true;
      target: BindTarget;
      /** This claim spent the code (false: the same device opened it again, it was spent by it before). */
      first: boolean;
    }
  | { ok: false; reason: 'unknown' | 'used' };

export interface DeviceBindings {
  /** A fresh code for `target`, valid until `ttlMs` from now, for one device. */
  issueCode(target: BindTarget, ttlMs: number): Promise<BindCode>;
  /**
   * Spends a code for the device `deviceKey`, atomically (two phones opening it at once: one wins): its
   * target when it exists, has not expired and is unspent or was spent by this same device; else why not
   * ('unknown' also for an expired code).
   */
  claimCode(code: string, deviceKey: string): Promise<CodeClaim>;
  /** Makes a code this device spent unspent again (its binding failed, so the phone may try again). */
  releaseCode(code: string, deviceKey: string): Promise<void>;
  device(key: string): Promise<DeviceRecord | undefined>;
  saveDevice(record: DeviceRecord): Promise<void>;
  dispose(): void;
}
