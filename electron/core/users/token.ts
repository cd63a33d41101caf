/** User tokens: 32 random bytes (base64url) handed out once; only their SHA-256 is kept. */
import crypto from 'node:crypto';

export function newUserToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** Constant-time: both sides are 32-byte digests, so no length or prefix leaks through timing. */
export function tokenHashMatches(token: string, storedHex: string): boolean {
  const given = crypto.createHash('sha256').update(token).digest();
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === given.length && crypto.timingSafeEqual(given, stored);
}
