/**
 * Which endpoint an exchange belongs to, for grouping session reports (session replay, session diff) and
 * for matching the requests of two sessions. Today an endpoint is the method and the URL's path (query
 * left out); route templates (`/users/:id`, electron/common/route-template.ts once it lands) replace the
 * path here, in this one function, and every report and match follows.
 */
import { splitUrl } from './flow';

export function endpointOf(method: string, url: string): string {
  return `${method.toUpperCase()} ${splitUrl(url).path.replace(/\?.*$/, '') || '/'}`;
}
