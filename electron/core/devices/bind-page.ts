/**
 * The bind page, `http://hindsight.ca/bind/<code>` (a QR code in the UI) and `http://hindsight.ca/bind`,
 * answered by the proxy itself like the setup page (../capture/setup-page.ts): opening it through the
 * proxy binds the device's client address (binder.ts) and says so; a code already spent by another device
 * gets a page saying so (410). The page leaves a cookie naming the device, so opening it again after the
 * address changed moves the binding. Never recorded as a flow.
 */
import type http from 'node:http';
import { escapeHtml } from '../capture/setup-page';
import type { BindOutcome, DeviceBinder } from './binder';

export const DEVICE_COOKIE = 'hindsight_device';
/** A year: a test phone is rebound when its address changes, not every few days. */
const COOKIE_MAX_AGE_S = 365 * 24 * 3600;
const CODE_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;


/** True when the request was for a bind page (then it has been answered); false leaves it to the setup page. */
export function serveBindPage(binder: DeviceBinder, req: http.IncomingMessage, res: http.ServerResponse, clientIp: string): boolean {
  const path = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0];
  const m = /^\/bind(?:\/([^/]*))?\/?$/.exec(path);
  if (!m) return false;
  req.resume();
  if (req.method !== 'GET') {
    send(res, 405, page('Method not allowed', 'Open this page with a browser.'), { Allow: 'GET' });
    return true;
  }
  const code = m[1] || undefined;
  if (code !== undefined && !CODE_SHAPE.test(code)) {
    send(res, 400, page('Not a bind link', 'This link is not one Hindsight made. Scan the QR code again.'));
    return true;
  }
  binder
    .bind({ code, cookie: deviceCookie(req.headers.cookie), address: clientIp })
    .then((outcome) => answer(res, outcome))
    .catch((err: Error) => send(res, 500, page('Not bound', `Hindsight could not bind this device: ${err.message}`)));
  return true;
}

function answer(res: http.ServerResponse, outcome: BindOutcome): void {
  const cookie: Record<string, string> = outcome.cookie ? { 'Set-Cookie': `${DEVICE_COOKIE}=${outcome.cookie}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax` } : {};
  if (!outcome.ok) return send(res, outcome.reason === 'unknown-device' ? 404 : 410, page(outcome.reason === 'used-code' ? 'Code already used' : 'Not bound', outcome.message), cookie);
  const to = [...outcome.profiles.map((p) => `profile <b>${escapeHtml(p)}</b>`), ...outcome.users.map((u) => `user <b>${escapeHtml(u)}</b>`)];
  const moved = outcome.movedFrom ? `<p>It was ${escapeHtml(outcome.movedFrom)} before; that address is no longer bound.</p>` : '';
  const body = `<p>This device (<code>${escapeHtml(outcome.address)}</code>) is bound to ${to.length ? to.join(' and ') : 'nothing any more (its profiles and users were removed)'}.</p>
${moved}
<p class="muted">When this device's address changes, open <code>http://hindsight.ca/bind</code> again through the proxy to move the binding.</p>`;
  send(res, 200, page('Device bound', body, true), cookie);
}

/** The device cookie's value from a Cookie header, when it has the shape we issue. */
export function deviceCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (name === DEVICE_COOKIE && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

function page(title: string, body: string, html = false): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hindsight — ${escapeHtml(title)}</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:40rem;padding:1.25rem;color:#1d2330;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e4e7ee;background:#15181e}}
h1{font-size:1.35rem;margin:.2rem 0 1rem}code{font:14px ui-monospace,SFMono-Regular,Menlo,monospace}.muted{opacity:.7;font-size:.9rem}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${html ? body : `<p>${escapeHtml(body)}</p>`}
</body></html>
`;
}

function send(res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}
