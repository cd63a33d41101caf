/**
 * Rules are data: matchers + one action + optional scope. Definitions live here (the renderer loads
 * them); the code that runs them lives in electron/core/rules. See ../shared/DESIGN.md "Rules are data".
 */
import type { NetworkConditions } from './conditions';
import type { ConnectionAction } from './connection-rule';
import type { Headers } from './flow';
import type { GrpcMockAnswer } from './grpc';

export type Matcher =
  /**
   * URL pattern, matched against the whole URL, case-insensitively (both syntaxes). validateRule fills
   * `regex` on save (a wildcard compiled by wildcardToRegex, a regex as written); `pattern` keeps what
   * the user wrote.
   */
  | { type: 'url'; pattern: string; syntax: 'wildcard' | 'regex'; regex?: string }
  | { type: 'method'; method: string }
  | { type: 'host'; host: string }
  /** Header name case-insensitive; value, when given, a case-insensitive substring of any value of that header. */
  | { type: 'header'; name: string; value?: string };

export type Action =
  | {
      type: 'mock';
      status: number;
      headers: Headers;
      body: string;
      bodyEncoding?: 'utf8' | 'base64';
      delayMs?: number;
      /** Answers a gRPC call instead (status, body and headers above are not used): electron/core/grpc/respond.ts. */
      grpc?: GrpcMockAnswer;
    }
  | {
      type: 'mock-request';
      method?: string;
      url?: string;
      headers?: Headers;
      body?: string;
      bodyEncoding?: 'utf8' | 'base64';
    }
  /** to: scheme://host[:port][/path-prefix]; a host-only target keeps scheme, path and query. */
  | { type: 'map-remote'; to: string; keepHostHeader?: boolean }
  /**
   * Answers from a local file, or from a directory (the request's path under the URL wildcard's literal
   * prefix, index.html for a directory); `path` is absolute on the machine running the proxy.
   */
  | { type: 'map-local'; path: string }
  | { type: 'breakpoint'; on: 'request' | 'response' | 'both' }
  /** Changes headers, query, bodies and status on the way through (electron/core/rules/rewrite.ts). */
  | RewriteAction
  /** Slows down or breaks the matching requests of the matching clients (electron/common/conditions.ts). */
  | { type: 'conditions'; conditions: NetworkConditions }
  /** Rewrites or drops the text messages of matching WebSockets (electron/core/rules/ws-message.ts). */
  | WsMessageAction
  /** Passthrough, do-not-record and upstream proxy (electron/common/connection-rule.ts). */
  | ConnectionAction;

/**
 * Changes whole WebSocket text messages (decompressed when permessage-deflate is on) of the sockets whose
 * handshake the matchers match: in the given direction, a message containing `find` (plain text, or a regex
 * checked like URL patterns) has every occurrence replaced by `replace` (`$1` … with a regex), is dropped,
 * or is paused in the breakpoint queue (edit, drop or continue it).
 */
export interface WsMessageAction {
  type: 'ws-message';
  direction: 'to-server' | 'to-client' | 'both';
  find: string;
  syntax: 'text' | 'regex';
  /** Regex flags: i, m, s (g is implied). */
  flags?: string;
  effect: 'replace' | 'drop' | 'pause';
  /** For effect "replace". */
  replace?: string;
}

/** A header change: add one more field, set (replace every field of that name), or remove every one. */
export interface HeaderEdit {
  op: 'add' | 'set' | 'remove';
  name: string;
  /** For add and set. */
  value?: string;
}

/** A query parameter change, like HeaderEdit (names case-sensitive, as servers read them). */
export interface QueryEdit {
  op: 'add' | 'set' | 'remove';
  name: string;
  value?: string;
}

/**
 * A replacement in a body, as UTF-8 text: every occurrence of `find` (plain text, or a regex checked like URL
 * patterns, whose `replace` may use $1 … groups). Compressed bodies are decoded first and sent uncompressed.
 */
export interface BodyReplace {
  find: string;
  replace: string;
  syntax: 'text' | 'regex';
  /** Regex flags: i, m, s (g is implied). */
  flags?: string;
}

export type RewriteAction = {
  type: 'rewrite';
  requestHeaders?: HeaderEdit[];
  query?: QueryEdit[];
  requestBody?: BodyReplace[];
  /** The status the client gets instead of the server's. */
  status?: number;
  responseHeaders?: HeaderEdit[];
  responseBody?: BodyReplace[];
};

export interface RuleScope {
  /** Client IPs or CIDRs; empty or absent = every client. */
  clients?: string[];
  /** A device profile id: the rule applies to that profile's clients. */
  profile?: string;
}

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  /** Lower runs first; ties keep list order. */
  priority: number;
  scope: RuleScope;
  matchers: Matcher[];
  action: Action;
  /** Apply this many times, then stop matching (absent = unlimited). */
  times?: number;
  /** Bumped by the rules store on every save; compiled matchers are cached per id + version. */
  version?: number;
  /** Who saved it last, in team mode (set by the server from the signed-in user, never by the client). */
  savedBy?: string;
}

export interface DeviceProfile {
  id: string;
  name: string;
  /** IPs or CIDRs this profile is bound to. */
  clients: string[];
  rules: Rule[];
  /** Network conditions for every request of this profile's clients (a matching `conditions` rule wins). */
  conditions?: NetworkConditions;
  /** Who saved it last, in team mode (set by the server from the signed-in user, never by the client). */
  savedBy?: string;
}
