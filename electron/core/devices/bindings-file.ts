/**
 * The embedded DeviceBindings: bound devices in `<data>/devices.json` (0600, replaced whole), bind
 * codes in memory only: they live minutes, and one `serve` holds a data folder at a time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mkdirPrivate, PRIVATE_FILE_MODE } from '../private-files';
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
  private readonly file: string;

  constructor(private readonly dataDir: string) {
    this.file = path.join(dataDir, DEVICES_FILE);
    try {
      const doc = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { version?: number; devices?: DeviceRecord[] };
      if (doc.version === 1 && Array.isArray(doc.devices)) for (const d of doc.devices) if (d && typeof d.key === 'string') this.devices.set(d.key, d);
    } catch {
      // No file yet, or an unreadable one: bindings start over; profiles and users keep their addresses.
    }
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
    mkdirPrivate(this.dataDir);
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ version: 1, devices: [...this.devices.values()] }, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
    fs.renameSync(tmp, this.file);
  }

  dispose(): void {
    this.codes.clear();
  }
}
