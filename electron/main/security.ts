/**
 * Electron's security checklist in one place (electron/electron:docs/tutorial/security.md): what every
 * window gets, the CSP, and the guards on navigation, new windows and permissions. The renderer is our own
 * bundle; anything else trying to load in our windows is refused, and web links open in the user's browser.
 */
import type { Session, WebContents } from 'electron';

/**
 * The renderer's Content-Security-Policy: only our own scripts, no eval, no plugins, no framing. Inline
 * styles are allowed because the virtual list positions rows with style attributes. The renderer's
 * index.html carries the same policy in a meta tag (file:// responses have no headers to add it to).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Which URLs are ours: the bundled index.html (file://) and, in development, the Vite dev server. */
export interface AppOrigin {
  /** file:// URL of dist/renderer/index.html. */
  indexUrl: string;
  /** http://127.0.0.1:5173 while developing (HINDSIGHT_DEV_URL); never in a packaged app. */
  devOrigin?: string;
}

export function isAppUrl(url: string, origin: AppOrigin): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') {
    const index = new URL(origin.indexUrl);
    return parsed.pathname === index.pathname && parsed.host === index.host;
  }
  return origin.devOrigin !== undefined && parsed.origin === new URL(origin.devOrigin).origin;
}

export function isWebLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Session-wide: CSP on our responses, every permission request and check denied. */
export function guardSession(session: Session, origin: AppOrigin): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, origin)) return callback({});
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
  // A traffic inspector has no use for the camera, notifications, geolocation …: refuse them all.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Per web contents: no navigation away, no new windows (web links go to the browser), no webviews. */
export function guardContents(contents: WebContents, origin: AppOrigin, openExternal: (url: string) => unknown): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url, origin)) return;
    event.preventDefault();
    if (isWebLink(url)) void openExternal(url);
  };
  contents.on('will-navigate', refuse);
  contents.on('will-redirect', refuse);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isWebLink(url)) void openExternal(url);
    return { action: 'deny' };
  });
}
