/**
 * Connection rules: actions decided per host or per request OUTSIDE the rules pipeline, because they
 * change how a connection is made or whether it is kept, not the messages on it:
 * - passthrough: a CONNECT tunnel to a matching host is relayed byte for byte, never decrypted (for
 *   certificate-pinned apps); the flow records host, bytes and duration only;
 * - do-not-record: matching requests (and tunnels) are forwarded as usual but never stored (privacy);
 * - upstream-proxy: matching requests leave through another proxy (HTTP, HTTPS, SOCKS5 or a PAC file), or
 *   `direct` to exempt hosts from a broader upstream rule.
 * Like every rule they have matchers and a client/profile scope; the first matching rule per kind, in
 * priority order, applies. Pure: the renderer validates and explains with the same code.
 */

export type ConnectionAction = { type: 'passthrough' } | { type: 'do-not-record' } | { type: 'upstream-proxy'; proxy: string } | ClientCertificateAction;

/**
 * mTLS: the client certificate offered to matching hosts' TLS handshakes (upstream HTTPS from the proxy).
 * Saved with its material (`pem`: certificate + private key; or `pkcs12`: base64 with `passphrase`); the
 * core checks it (a wrong passphrase is refused naming action.passphrase), moves the material to an
 * owner-only file under <data>/client-certs/ and keeps only the reference here (`certificate`, `subject`).
 */
export interface ClientCertificateAction {
  type: 'client-certificate';
  /** The stored certificate's id (its file under <data>/client-certs/). */
  certificate?: string;
  /** The certificate's subject, for lists, explanations and flows. */
  subject?: string;
  /** Only on the way in, never stored in the rule. */
  pem?: string;
  pkcs12?: string;
  passphrase?: string;
}

export type ConnectionKind = ConnectionAction['type'];

export const CONNECTION_KINDS: readonly ConnectionKind[] = ['passthrough', 'do-not-record', 'upstream-proxy', 'client-certificate'];

/**
 * Decided per host, before any path or header is seen: passthrough at CONNECT, a client certificate per
 * pooled TLS connection. Only host matchers make sense for them.
 */
export const HOST_ONLY_KINDS: readonly string[] = ['passthrough', 'client-certificate'];

export function isConnectionKind(type: string): type is ConnectionKind {
  return (CONNECTION_KINDS as readonly string[]).includes(type);
}

/** An upstream proxy as parsed from its text form (the rule keeps the text). */
export type UpstreamProxy =
  | { kind: 'direct' }
  | { kind: 'http' | 'https' | 'socks5' | 'socks5h'; host: string; port: number; username?: string; password?: string }
  /** `pac+file:///etc/proxy.pac` (a local file) or `pac+https://wpad.corp/proxy.pac` (fetched, then cached). */
  | { kind: 'pac'; location: string };

export type UpstreamProxyParse = { ok: true; proxy: UpstreamProxy } | { ok: false; error: string };

const DEFAULT_PORTS = { http: 8080, https: 443, socks5: 1080, socks5h: 1080 } as const;
const HOST = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i;

/**
 * `http://[user:pass@]host[:port]`, `https://…`, `socks5://…` (names resolved here), `socks5h://…` (names
 * resolved by the proxy), `pac+file:///path`, `pac+http(s)://…`, or `direct`. Errors say what is wrong.
 */
export function parseUpstreamProxy(text: string): UpstreamProxyParse {
  const t = text.trim();
  if (t.toLowerCase() === 'direct') return { ok: true, proxy: { kind: 'direct' } };
  const pac = /^pac\+(file:\/\/\/.+|https?:\/\/[^/?#\s]+.*)$/i.exec(t);
  if (pac) return { ok: true, proxy: { kind: 'pac', location: pac[1] } };
  if (/^pac\+/i.test(t)) return { ok: false, error: 'a PAC location must be pac+file:///absolute/path or pac+http(s)://host/path' };
  const m = /^([a-z0-9]+):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(\[[0-9a-f:.]+\]|[^:/?#@]+)(?::(\d{1,5}))?\/?$/i.exec(t);
  if (!m) return { ok: false, error: 'must look like http://host:port, https://host:port, socks5://host:port, socks5h://host:port, pac+file:///path, pac+https://host/path or direct' };
  const scheme = m[1].toLowerCase();
  if (!(scheme in DEFAULT_PORTS)) return { ok: false, error: `the scheme must be http, https, socks5, socks5h or pac+…, not ${scheme}` };
  const kind = scheme as keyof typeof DEFAULT_PORTS;
  const host = m[4].replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!HOST.test(host) && !/^[0-9a-f:.]+$/i.test(host)) return { ok: false, error: `"${m[4]}" is not a host name` };
  const port = m[5] === undefined ? DEFAULT_PORTS[kind] : Number(m[5]);
  if (port < 1 || port > 65535) return { ok: false, error: `port ${m[5]} must be from 1 to 65535` };
  const proxy: UpstreamProxy = { kind, host, port };
  if (m[2]) proxy.username = decode(m[2]);
  if (m[3] !== undefined) proxy.password = decode(m[3]);
  return { ok: true, proxy };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The proxy as shown in flows, lists and explanations: never its password. */
export function describeUpstreamProxy(proxy: UpstreamProxy): string {
  switch (proxy.kind) {
    case 'direct':
      return 'direct';
    case 'pac':
      return `PAC ${proxy.location}`;
    default: {
      const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
      return `${proxy.kind}://${proxy.username ? `${proxy.username}@` : ''}${host}:${proxy.port}`;
    }
  }
}

/** The rule's proxy text without its password (for explanations and share links). */
export function redactProxyText(text: string): string {
  const parsed = parseUpstreamProxy(text);
  return parsed.ok ? describeUpstreamProxy(parsed.proxy) : text;
}
