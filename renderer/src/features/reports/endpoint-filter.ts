/**
 * The flow-list filter that shows one endpoint's flows: method, host and a path regex made from the route
 * template (each `{param}` one path segment), so clicking a report row lists exactly the flows it counted.
 */
import type { Endpoint } from '../../../../electron/common/route-template';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `{param}` → one segment; literal text escaped; the query may follow. */
export function routeRegex(route: string, anchored: boolean): string {
  const body = route
    .split(/(\{[^}]*\})/)
    .map((part) => (/^\{[^}]*\}$/.test(part) ? '[^/?]+' : escapeRegex(part)))
    .join('');
  return `${anchored ? '^' : ''}${body}(?:\\?|$)`;
}

export function endpointFilter(endpoint: Pick<Endpoint, 'method' | 'host' | 'route' | 'operation'>, extra = ''): string {
  // An OpenAPI route may sit under a server base path (/v1/users/{id}), so it is matched at the end only.
  const terms = [`method:${endpoint.method}`, endpoint.host ? `host:${endpoint.host}` : '', `path:/${routeRegex(endpoint.route, !endpoint.operation)}/`, extra];
  return terms.filter(Boolean).join(' ');
}
