/**
 * The save-time check of connection-rule actions (connection-rule.ts): the upstream proxy's text is parsed
 * and refused with the reason, and host-only kinds (passthrough) refuse matchers they could never run.
 */
import { HOST_ONLY_KINDS, parseUpstreamProxy, type ConnectionAction, type ConnectionKind } from './connection-rule';
import type { Matcher } from './rule';
import type { FieldError } from './rule-validate';

export type ConnectionCheck = { ok: true; action: ConnectionAction } | { ok: false; errors: FieldError[] };

export function checkConnectionAction(type: ConnectionKind, o: Record<string, unknown>, at: string): ConnectionCheck {
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
