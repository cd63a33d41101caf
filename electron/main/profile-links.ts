/**
 * `hindsight://profile/<payload>` links opened from outside the app (a chat, a browser, a QR scanner):
 * the OS hands them to the desktop app — macOS through `open-url`, Windows and Linux as a command-line
 * argument of the first start or of a second instance — and this file decides which of them are shared
 * profiles and keeps them until a window's renderer can hear about them. The renderer then asks the user
 * before importing anything (the same dialog as a `#profile=` web link).
 */
import type { App } from 'electron';
import { Emitter, type Disposable } from '../common/events';
import { decodeProfilePayload, SHARE_LINK_PREFIX } from '../common/profile-share';
import { previewSharedProfile } from '../common/profile-preview';

export const PROFILE_LINK_SCHEME = 'hindsight';
/**
 * Longer than any profile a person shares (a QR code holds under 3 KB; Windows caps a command line at
 * 32 K characters), short enough that a crafted link costs little to refuse.
 */
export const MAX_PROFILE_LINK_CHARS = 256 * 1024;
/** Links waiting for a window; beyond this the oldest are dropped (nobody opens more before the app is up). */
const MAX_QUEUED = 16;

export type ProfileLinkCheck = { ok: true; link: string } | { ok: false; reason: string };

/** Accepts only a well-formed profile link whose profile would pass the import; the link comes back canonical. */
export function checkProfileLink(url: string): ProfileLinkCheck {
  if (url.length > MAX_PROFILE_LINK_CHARS) return { ok: false, reason: `longer than ${MAX_PROFILE_LINK_CHARS} characters` };
  // The scheme and host are case-insensitive in URLs; some launchers also append a slash to a bare path.
  if (url.slice(0, SHARE_LINK_PREFIX.length).toLowerCase() !== SHARE_LINK_PREFIX) return { ok: false, reason: `not a ${SHARE_LINK_PREFIX} link` };
  const payload = url.slice(SHARE_LINK_PREFIX.length).replace(/\/$/, '');
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return { ok: false, reason: 'the payload is not base64url' };
  const decoded = decodeProfilePayload(payload);
  if (!decoded.ok) return { ok: false, reason: decoded.error };
  // Checked as the import will store it (rules bound to the profile's clients only), not as written.
  const preview = previewSharedProfile(decoded.value);
  if (!preview.ok) return { ok: false, reason: preview.error };
  return { ok: true, link: SHARE_LINK_PREFIX + payload };
}

/** The arguments that are links of our scheme (the rest of argv is Electron's and Chromium's business). */
export function schemeLinksInArgv(argv: readonly string[]): string[] {
  return argv.filter((arg) => arg.slice(0, PROFILE_LINK_SCHEME.length + 1).toLowerCase() === `${PROFILE_LINK_SCHEME}:`);
}

/**
 * Makes this app the OS's handler for hindsight:// links. A packaged app registers itself; in development
 * Electron's own binary is the executable, so it is registered with the app's path as its argument
 * (electron/electron docs/tutorial/launch-app-from-url-in-another-app.md).
 */
export function registerProtocolClient(app: Pick<App, 'isPackaged' | 'getAppPath' | 'setAsDefaultProtocolClient'>, execPath: string): boolean {
  return app.isPackaged
    ? app.setAsDefaultProtocolClient(PROFILE_LINK_SCHEME)
    : app.setAsDefaultProtocolClient(PROFILE_LINK_SCHEME, execPath, [app.getAppPath()]);
}

/**
 * Accepted links in arrival order, held until a deliverer is connected (a window whose page has loaded),
 * then handed over once each.
 */
export class ProfileLinkInbox implements Disposable {
  private readonly _onDidAccept = new Emitter<string>();
  /** A link passed the checks (the shell brings its window forward). */
  readonly onDidAccept = this._onDidAccept.event;
  private readonly queue: string[] = [];
  private deliver: ((link: string) => void) | undefined;

  constructor(private readonly log: (message: string) => void) {}

  /** Checks one URL the OS handed over; refusals are logged and dropped. */
  receive(url: string): boolean {
    const checked = checkProfileLink(url);
    if (!checked.ok) {
      this.log(`ignored a link (${checked.reason}): ${url.slice(0, 80)}${url.length > 80 ? '…' : ''}`);
      return false;
    }
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push(checked.link);
    this._onDidAccept.fire(checked.link);
    this.flush();
    return true;
  }

  receiveArgv(argv: readonly string[]): void {
    for (const url of schemeLinksInArgv(argv)) this.receive(url);
  }

  /** Delivers the queue now and each later link at once, until the returned handle is disposed. */
  connect(deliver: (link: string) => void): Disposable {
    this.deliver = deliver;
    this.flush();
    return {
      dispose: () => {
        if (this.deliver === deliver) this.deliver = undefined;
      },
    };
  }

  private flush(): void {
    while (this.deliver && this.queue.length > 0) this.deliver(this.queue.shift()!);
  }

  dispose(): void {
    this.deliver = undefined;
    this.queue.length = 0;
    this._onDidAccept.dispose();
  }
}
