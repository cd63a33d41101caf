/**
 * The save-time check of connection-rule actions (connection-rule.ts): the upstream proxy's text is parsed
 * and refused with the reason, and host-only kinds (passthrough) refuse matchers they could never run.
 */
import { HOST_ONLY_KINDS, parseUpstreamProxy, type ConnectionAction, type ConnectionKind } from './connection-rule';
import type { Matcher } from './rule';
import type { FieldError } from './rule-validate';

export type ConnectionCheck = { ok: true; action: ConnectionAction } | { ok: false; errors: FieldError[] };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const CERTIFICATE_ID = /^[a-z0-9-]{1,64}$/;

/** A client certificate: new material (PEM, or PKCS#12 with a passphrase), or a stored reference. */
function checkClientCertificate(o: Record<string, unknown>, at: string): ConnectionCheck {
  const errors: FieldError[] = [];
  const text = (field: string) => (o[field] === undefined ? undefined : typeof o[field] === 'string' ? (o[field] as string) : void errors.push({ field: `${at}.${field}`, message: 'must be text' }));
  const pem = text('pem');
  const pkcs12 = text('pkcs12');
  const passphrase = text('passphrase');
  const certificate = text('certificate');
  const subject = text('subject');
  if (errors.length) return { ok: false, errors };
  if (pem !== undefined && pem.trim() !== '') {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) errors.push({ field: `${at}.pem`, message: 'must hold the certificate (-----BEGIN CERTIFICATE-----) and its private key' });
    else if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) errors.push({ field: `${at}.pem`, message: 'must hold the private key too (-----BEGIN PRIVATE KEY-----), after the certificate' });
    return errors.length ? { ok: false, errors } : { ok: true, action: { type: 'client-certificate', pem, ...(passphrase ? { passphrase } : {}) } };
  }
  if (pkcs12 !== undefined && pkcs12.trim() !== '') {
    const compact = pkcs12.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) return { ok: false, errors: [{ field: `${at}.pkcs12`, message: 'must be the PKCS#12 (.p12/.pfx) file as base64' }] };
    return { ok: true, action: { type: 'client-certificate', pkcs12: compact, passphrase: passphrase ?? '' } };
  }
  if (certificate === undefined) return { ok: false, errors: [{ field: `${at}.pem`, message: 'give the certificate and key as PEM, or a PKCS#12 file (pkcs12, base64) with its passphrase' }] };
  if (!CERTIFICATE_ID.test(certificate)) return { ok: false, errors: [{ field: `${at}.certificate`, message: `${JSON.stringify(certificate)} is not a stored certificate id` }] };
  return { ok: true, action: { type: 'client-certificate', certificate, ...(subject ? { subject } : {}) } };
}

export function checkConnectionAction(type: ConnectionKind, o: Record<string, unknown>, at: string): ConnectionCheck {
  if (type === 'client-certificate') return checkClientCertificate(o, at);
  if (type !== 'upstream-proxy') return { ok: true, action: { type } };
  const proxy = o.proxy;
  const field = `${at}.proxy`;
  if (typeof proxy !== 'string' || proxy.trim() === '') return { ok: false, errors: [{ field, message: 'is required (like http://proxy.corp:3128, socks5://127.0.0.1:1080, pac+file:///etc/proxy.pac or direct)' }] };
  const parsed = parseUpstreamProxy(proxy);
  if (!parsed.ok) return { ok: false, errors: [{ field, message: parsed.error }] };
  return { ok: true, action: { type, proxy: proxy.trim() } };
}

/** Errors for matchers a host-only action cannot use, named by their path. */
export function checkHostOnlyMatchers(type: string, matchers: readonly Matcher[], at: string): FieldError[] {
  if (!HOST_ONLY_KINDS.includes(type)) return [];
  return matchers.flatMap((m, i) =>
    m.type === 'host' ? [] : [{ field: `${at ? `${at}.` : ''}matchers[${i}]`, message: `a ${type} rule is decided when the tunnel opens, before any ${m.type === 'url' ? 'path' : m.type} is seen: use host matchers only` }],
  );
}
