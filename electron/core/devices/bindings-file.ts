/**
 * The embedded DeviceBindings: bound devices in `<data>/devices.json` (0600, replaced whole), bind
 * codes in memory only: they live minutes, and one `serve` holds a data folder at a time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mkdirPrivate, writePrivateFileAtomic } from '../private-files';
import type { BindCode, BindTarget, CodeClaim, DeviceBindings, DeviceRecord } from './types';

export const DEVICES_FILE = 'devices.json';
/** Codes kept at most; the oldest go first (issuing is an admin's or a signed-in user's click). */
const MAX_CODES = 1000;

interface HeldCode extends BindCode {
  /** The key of the device that spent it. */
  usedBy?: string;
}

export class DeviceBindingsFile implements DeviceBindings {
  private readonly codes = new Map<string, HeldCode>();
  private devices = new Map<string, DeviceRecord>();

  constructor(private readonly dataDir: string) {
    for (const d of readDeviceRecords(dataDir)) this.devices.set(d.key, d);
  }

  async issueCode(target: BindTarget, ttlMs: number): Promise<BindCode> {
    const now = Date.now();
    for (const [code, entry] of this.codes) if (entry.expiresAt <= now || this.codes.size >= MAX_CODES) this.codes.delete(code);
    const issued: BindCode = { code: crypto.randomBytes(16).toString('base64url'), target: { ...target }, expiresAt: now + ttlMs };
    this.codes.set(issued.code, { ...issued, target: { ...target } });
    return issued;
  }

  async claimCode(code: string, deviceKey: string): Promise<CodeClaim> {
    const entry = this.codes.get(code);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.expiresAt <= Date.now()) {
      this.codes.delete(code);
      return { ok: false, reason: 'unknown' };
    }
    if (entry.usedBy !== undefined && entry.usedBy !== deviceKey) return { ok: false, reason: 'used' };
    const first = entry.usedBy === undefined;
    entry.usedBy = deviceKey;
    return { ok: true, target: { ...entry.target }, first };
  }

  async releaseCode(code: string, deviceKey: string): Promise<void> {
    const entry = this.codes.get(code);
    if (entry?.usedBy === deviceKey) delete entry.usedBy;
  }

  async device(key: string): Promise<DeviceRecord | undefined> {
    const found = this.devices.get(key);
    return found && structuredClone(found);
  }

  async saveDevice(record: DeviceRecord): Promise<void> {
    this.devices.set(record.key, structuredClone(record));
    writeDeviceRecords(this.dataDir, [...this.devices.values()]);
  }

  dispose(): void {
    this.codes.clear();
  }
}

/** The devices bound in a data folder; [] without a file or with an unreadable one (bindings start over). */
export function readDeviceRecords(dataDir: string): DeviceRecord[] {
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(dataDir, DEVICES_FILE), 'utf8')) as { version?: number; devices?: DeviceRecord[] };
    if (doc.version === 1 && Array.isArray(doc.devices)) return doc.devices.filter((d) => d && typeof d.key === 'string');
  } catch {
    // No file yet, or an unreadable one: profiles and users keep their addresses.
  }
  return [];
}

/** Replaces the data folder's devices file whole (owner-only, through a temporary file). */
export function writeDeviceRecords(dataDir: string, records: readonly DeviceRecord[]): void {
  mkdirPrivate(dataDir);
  writePrivateFileAtomic(path.join(dataDir, DEVICES_FILE), `${JSON.stringify({ version: 1, devices: records }, null, 2)}\n`);
}
