/**
 * Binding a device by scanning (issue 21): a bind code names what a device joins (a device profile, a
 * user, or both); the device keeps a cookie whose record remembers where it was bound, so when its address
 * changes, opening the page again moves the binding. Behind one small interface: the embedded store keeps
 * devices in an owner-only file and codes in memory (bindings-file.ts); a database could do both.
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

export interface DeviceBindings {
  /** A fresh code for `target`, valid until `ttlMs` from now; every phone scanning it within that time is bound. */
  issueCode(target: BindTarget, ttlMs: number): BindCode;
  /** The target of a code that exists and has not expired. */
  codeTarget(code: string): BindTarget | undefined;
  device(key: string): DeviceRecord | undefined;
  saveDevice(record: DeviceRecord): void;
  dispose(): void;
}
