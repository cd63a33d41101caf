/**
 * Taking an absolute URL apart as written. Not the URL class: it normalises (case, default ports, dot
 * segments), throws on odd input, and a flow keeps the URL exactly as the client sent it. Every place that
 * splits a URL into scheme, authority and the rest uses this one pattern.
 */

/** scheme, authority (userinfo included) and path+query of an absolute URL; the fragment is left out. */
export const ABSOLUTE_URL = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i;

/** The authority (host[:port], userinfo included) of an absolute URL, as written; '' when it is not absolute. */
export function urlAuthority(url: string): string {
  return ABSOLUTE_URL.exec(url)?.[2] ?? '';
}

/** An authority without its userinfo (`user:pass@`). */
export function withoutUserinfo(authority: string): string {
  return authority.replace(/^[^@]*@/, '');
}
