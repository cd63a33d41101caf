/**
 * Which app release and which platform a request came from, read from what the store keeps of it (the
 * User-Agent and the version-like request headers of its summary). The coverage report compares a release's
 * endpoints with those of earlier releases, per platform. Pure.
 *
 * A release pattern is `ua:/REGEX/FLAGS` (the first capture group of the User-Agent, or the whole match),
 * `header:NAME` (that request header's value) or `header:NAME:/REGEX/FLAGS`. Patterns are user input run
 * over every stored flow, so they go through the user-regex checks (user-regex.ts).
 */
import { compileUserRegex, type UserRegex } from './user-regex';

export type Platform = 'ios' | 'android' | 'other';
export const PLATFORMS: readonly Platform[] = ['ios', 'android', 'other'];
/** How reports name each platform. */
export const PLATFORM_NAMES: Record<Platform, string> = { ios: 'iOS', android: 'Android', other: 'Other' };

export interface ReleasePattern {
  /** As the user wrote it, for report headings. */
  text: string;
  from: 'ua' | 'header';
  /** Lower-case header name (from: 'header'). */
  header?: string;
  regex?: UserRegex;
}

/** Request headers a summary keeps for release patterns: names containing one of these words. */
export const VERSION_HEADER = /version|release|build/i;

/** A release pattern that cannot be used; the message says why. */
export class ReleasePatternError extends Error {
  override name = 'ReleasePatternError';
}

/** What a release pattern reads of a flow. */
export interface ReleaseSource {
  userAgent?: string;
  /** Request headers whose name matches VERSION_HEADER ([name, value], name as sent). */
  versionHeaders?: [string, string][];
}

/** Parses a release pattern; throws a ReleasePatternError whose message says what is wrong. */
export function parseReleasePattern(text: string): ReleasePattern {
  const trimmed = text.trim();
  const ua = /^ua:\/(.*)\/([a-z]*)$/s.exec(trimmed);
  if (ua) return { text: trimmed, from: 'ua', regex: compile(ua[1], ua[2]) };
  const header = /^header:([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?::\/(.*)\/([a-z]*))?$/s.exec(trimmed);
  if (header) {
    const name = header[1].toLowerCase();
    if (!VERSION_HEADER.test(name)) {
      throw new ReleasePatternError(`header:${header[1]}: only request headers whose name contains "version", "release" or "build" are kept for reports`);
    }
    const pattern: ReleasePattern = { text: trimmed, from: 'header', header: name };
    if (header[2] !== undefined) pattern.regex = compile(header[2], header[3]);
    return pattern;
  }
  throw new ReleasePatternError(`'${text}' is not a release pattern; use ua:/REGEX/ (e.g. ua:/MyApp\\/(\\d+\\.\\d+)/) or header:NAME (e.g. header:X-App-Version)`);
}

function compile(source: string, flags: string): UserRegex {
  const compiled = compileUserRegex(source, flags);
  if (!compiled.ok) throw new ReleasePatternError(`/${source}/: ${compiled.error}`);
  return compiled.regex;
}

/** The release a flow belongs to under `pattern`, or undefined when its request does not say. */
export function releaseOf(source: ReleaseSource, pattern: ReleasePattern): string | undefined {
  let text: string | undefined;
  if (pattern.from === 'ua') text = source.userAgent;
  else text = source.versionHeaders?.find(([name]) => name.toLowerCase() === pattern.header)?.[1];
  if (text === undefined) return undefined;
  if (!pattern.regex) return text.trim() || undefined;
  const m = pattern.regex.exec(text);
  if (!m) return undefined;
  return (m[1] ?? m[0]) || undefined;
}

/**
 * The platform a User-Agent names. Native iOS clients send CFNetwork/Darwin, Safari and WebViews iPhone or
 * iPad; Android clients Android or okhttp (the default client of most Android apps).
 */
export function platformOf(userAgent: string | undefined): Platform {
  if (!userAgent) return 'other';
  if (/android|okhttp|dalvik/i.test(userAgent)) return 'android';
  if (/iphone|ipad|ipod|\bios\b|cfnetwork|darwin/i.test(userAgent)) return 'ios';
  return 'other';
}

const collator = new Intl.Collator('en', { numeric: true });

/** Orders releases as versions: 1.9 before 1.10 before 2.0. */
export function compareReleases(a: string, b: string): number {
  return collator.compare(a, b);
}
