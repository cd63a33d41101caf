/**
 * Map-remote: where a matching request goes instead. The target is scheme://host[:port][/prefix]
 * (validateRule accepts nothing else):
 * - no path in the target: scheme, host and port change; path and query stay as the client sent them;
 * - a path prefix: the request's path is appended to it, minus the literal start of the path in the rule's
 *   URL wildcard (`http://api.test/v1/*` → `http://127.0.0.1:4000/api` sends `/v1/users?id=1` to
 *   `/api/users?id=1`, as Charles' map-remote does). The query always stays.
 * The Host header follows the new target unless the rule keeps the client's (`keepHostHeader`).
 */
import type { Headers } from '../../common/flow';
import type { Action, Matcher } from '../../common/rule';
import { setHeader } from '../../common/headers';
import { ABSOLUTE_URL, urlAuthority } from '../../common/url';

type MapRemote = Extract<Action, { type: 'map-remote' }>;

export function mapRemoteUrl(url: string, action: MapRemote, matchers: readonly Matcher[]): string {
  const from = ABSOLUTE_URL.exec(url);
  const to = ABSOLUTE_URL.exec(action.to.trim());
  if (!from || !to) return url;
  const pathAndQuery = from[3] || '/';
  const prefix = to[3].replace(/\/+$/, '');
  const scheme = to[1].toLowerCase();
  if (prefix === '') return `${scheme}://${to[2]}${pathAndQuery}`;
  const rest = stripLiteralPath(pathAndQuery, matchers);
  const joined = rest.startsWith('/') || rest.startsWith('?') ? rest : `/${rest}`;
  return `${scheme}://${to[2]}${prefix}${joined === '/' ? '' : joined}`;
}

/**
 * The request's path minus the literal start of the URL wildcard's path (from the `/` after the authority
 * to the first `*` or `?`), when the request's path begins with it; otherwise the whole path.
 */
export function stripLiteralPath(pathAndQuery: string, matchers: readonly Matcher[]): string {
  for (const m of matchers) {
    if (m.type !== 'url' || m.syntax !== 'wildcard') continue;
    const scheme = m.pattern.indexOf('://');
    const pathStart = scheme < 0 ? -1 : m.pattern.indexOf('/', scheme + 3);
    // No path in the pattern (`*api.test*`): nothing known to strip.
    if (pathStart < 0) continue;
    const literalPath = m.pattern.slice(pathStart).split(/[*?]/, 1)[0];
    if (literalPath.length > 1 && pathAndQuery.toLowerCase().startsWith(literalPath.toLowerCase())) {
      return pathAndQuery.slice(literalPath.length);
    }
  }
  return pathAndQuery;
}

/** The request headers for the mapped URL: Host follows it unless kept. */
export function mapRemoteHeaders(headers: Headers, mappedUrl: string, action: MapRemote): Headers {
  if (action.keepHostHeader) return headers;
  return setHeader(headers, 'Host', urlAuthority(mappedUrl));
}
