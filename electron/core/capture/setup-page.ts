/**
 * The page the proxy itself serves to devices at http://hindsight.ca/ (any request through the proxy to the
 * host `hindsight.ca`, which therefore never reaches the network): the CA download and setup steps, so a
 * phone whose Wi-Fi proxy points at Hindsight can trust the CA without copying files around. The desktop
 * UI shows this URL as a QR code. These requests are answered, not forwarded, and not recorded as flows.
 */
import type http from 'node:http';
import type { CertificateAuthority } from '../../../certs/types';

export const SETUP_HOST = 'hindsight.ca';

export function isSetupHost(host: string): boolean {
  return host.toLowerCase().replace(/\.$/, '') === SETUP_HOST;
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function setupPageHtml(ca: CertificateAuthority): string {
  const info = ca.info();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hindsight — trust this proxy</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:40rem;padding:1.25rem;color:#1d2330;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e4e7ee;background:#15181e}a.button{color:#15181e!important}}
h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:1.5rem 0 .4rem}
a.button{display:inline-block;margin:.25rem .5rem .25rem 0;padding:.6rem 1rem;border-radius:.5rem;background:#3b6fd8;color:#fff;text-decoration:none;font-weight:600}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
ol{padding-left:1.2rem}li{margin:.2rem 0}.muted{opacity:.7;font-size:.9rem}
</style></head><body>
<h1>Trust Hindsight on this device</h1>
<p>This device's traffic goes through Hindsight. To let Hindsight show its HTTPS traffic, install and trust
Hindsight's certificate authority. Only do this on a device you use for testing.</p>
<p><a class="button" href="/ca.crt">Download certificate (.crt)</a><a class="button" href="/ca.pem">PEM</a></p>
<h2>iPhone / iPad</h2>
<ol><li>Open this page in Safari and tap <b>Download certificate</b>, then <b>Allow</b>.</li>
<li>Settings → General → VPN &amp; Device Management → <b>${escapeHtml(info.subject)}</b> → Install.</li>
<li>Settings → General → About → Certificate Trust Settings → turn on full trust for it.</li></ol>
<h2>Android</h2>
<ol><li>Tap <b>Download certificate</b>.</li>
<li>Settings → Security → Encryption &amp; credentials → Install a certificate → <b>CA certificate</b> → pick the file.</li>
<li>Apps trust user CAs only when they opt in (debug builds with a network security config); browsers like Chrome do.</li></ol>
<h2>Other devices</h2>
<p>Install the certificate as a trusted root authority for the user or browser.</p>
<p class="muted">Fingerprint (SHA-256): <code>${escapeHtml(info.fingerprint)}</code><br>
Valid until ${escapeHtml(new Date(info.notAfter).toISOString().slice(0, 10))}</p>
</body></html>
`;
}

/** Answers one request for the setup host; never throws. */
export function serveSetupPage(ca: CertificateAuthority, req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  const path = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0];
  const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'Method not allowed\n', { Allow: 'GET, HEAD' });
  switch (path) {
    case '/':
    case '/index.html':
      return send(200, 'text/html; charset=utf-8', setupPageHtml(ca), {
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'",
      });
    case '/ca.crt':
    case '/ca.cer':
      return send(200, 'application/x-x509-ca-cert', ca.certDer(), { 'Content-Disposition': 'attachment; filename="hindsight-ca.crt"' });
    case '/ca.pem':
      return send(200, 'application/x-pem-file', ca.certPem, { 'Content-Disposition': 'attachment; filename="hindsight-ca.pem"' });
    default:
      return send(404, 'text/plain; charset=utf-8', 'Not found. Open http://hindsight.ca/\n');
  }
}
