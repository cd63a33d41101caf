/**
 * The UI token is kept per data folder (`<data>/ui-token`, 0600), so an open tab and a bookmarked UI URL
 * survive a restart of `hindsight serve` (issue 13). `serve --rotate-token` replaces it: every tab and
 * script holding the old one is locked out. The lock file still names the token for the CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, mkdirPrivate } from '../private-files';
import { newToken } from './access';

export const UI_TOKEN_FILE = 'ui-token';
/** base64url of 32 bytes, as newToken makes; anything else in the file is replaced. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface UiTokenResult {
  token: string;
  /** Why the token is new: 'created' on first use, 'rotated' when asked, 'replaced' when the file was unreadable. */
  fresh?: 'created' | 'rotated' | 'replaced';
}

export function uiTokenFile(dataDir: string): string {
  return path.join(dataDir, UI_TOKEN_FILE);
}

/** Writes the token (0600, replaced whole). */
export function saveUiToken(dataDir: string, token: string): void {
  const file = uiTokenFile(dataDir);
  mkdirPrivate(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: PRIVATE_FILE_MODE });
  fs.renameSync(tmp, file);
}

/** The data folder's UI token, made on first use or when `rotate` is set. */
export function loadUiToken(dataDir: string, options: { rotate?: boolean } = {}): UiTokenResult {
  const file = uiTokenFile(dataDir);
  let existing: string | undefined;
  let unreadable = false;
  if (!options.rotate) {
    try {
      existing = fs.readFileSync(file, 'utf8').trim();
      if (!TOKEN_SHAPE.test(existing)) {
        existing = undefined;
        unreadable = true;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unreadable = true;
    }
  }
  if (existing) return { token: existing };
  const token = newToken();
  saveUiToken(dataDir, token);
  return { token, fresh: options.rotate ? 'rotated' : unreadable ? 'replaced' : 'created' };
}
