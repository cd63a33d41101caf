/**
 * The DeviceBindings on a PostgreSQL store: bind codes and bound devices are rows every node shares
 * (`bind_codes`, `bound_devices`, schema migration 3), so a QR code shown by node A's UI binds a phone whose
 * traffic goes through node B, and a code is spent once across all nodes: the claim is one conditional
 * UPDATE, so of two phones opening it at once exactly one gets it.
 */
import crypto from 'node:crypto';
import type { Queryable } from '../store/pg/pg-db';
import type { BindCode, BindTarget, CodeClaim, DeviceBindings, DeviceRecord } from './types';

/** Spent and expired codes are kept this long past expiry (a phone opening one is told it was used), then deleted. */
const KEEP_EXPIRED_MS = 24 * 3600_000;

export class PgDeviceBindings implements DeviceBindings {
  constructor(private readonly db: Queryable) {}

  async issueCode(target: BindTarget, ttlMs: number): Promise<BindCode> {
    const now = Date.now();
    await this.db.query('DELETE FROM bind_codes WHERE expires_at < $1', [now - KEEP_EXPIRED_MS]);
    const issued: BindCode = { code: crypto.randomBytes(16).toString('base64url'), target: { ...target }, expiresAt: now + ttlMs };
    await this.db.query('INSERT INTO bind_codes (code, target, expires_at) VALUES ($1, $2, $3)', [issued.code, JSON.stringify(issued.target), issued.expiresAt]);
    return issued;
  }

  async claimCode(code: string, deviceKey: string): Promise<CodeClaim> {
    const now = Date.now();
    // The claim itself: one conditional UPDATE, so of two devices racing (through two nodes) one wins.
    const { rows } = await this.db.query<{ target: BindTarget }>(
      'UPDATE bind_codes SET used_by = $2, used_at = $3 WHERE code = $1 AND expires_at > $3 AND used_by IS NULL RETURNING target',
      [code, deviceKey, now],
    );
    if (rows[0]) return { ok: true, target: rows[0].target, first: true };
    const { rows: held } = await this.db.query<{ target: BindTarget; expires_at: number; used_by: string | null }>('SELECT target, expires_at, used_by FROM bind_codes WHERE code = $1', [code]);
    const entry = held[0];
    if (!entry || entry.expires_at <= now || entry.used_by === null) return { ok: false, reason: 'unknown' };
    // Spent: by this same device (it opened the link again) or by another.
    return entry.used_by === deviceKey ? { ok: true, target: entry.target, first: false } : { ok: false, reason: 'used' };
  }

  async releaseCode(code: string, deviceKey: string): Promise<void> {
    await this.db.query('UPDATE bind_codes SET used_by = NULL, used_at = NULL WHERE code = $1 AND used_by = $2', [code, deviceKey]);
  }

  async device(key: string): Promise<DeviceRecord | undefined> {
    const { rows } = await this.db.query<{ record: DeviceRecord }>('SELECT record FROM bound_devices WHERE key = $1', [key]);
    return rows[0]?.record;
  }

  async saveDevice(record: DeviceRecord): Promise<void> {
    await this.db.query('INSERT INTO bound_devices (key, record) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record', [record.key, JSON.stringify(record)]);
  }

  dispose(): void {}
}
