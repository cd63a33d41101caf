/**
 * Which endpoint an exchange belongs to, for grouping session reports (session replay, session diff):
 * the method and the route template of the URL's path (route-template.ts), so `GET /users/17` and
 * `GET /users/42` share one group, `GET /users/{id}`. The host is left out: a replay sends the same
 * requests to another origin, and a session diff compares two origins, so one endpoint spans both.
 *
 * Pairing the exchanges of two sessions (session-diff.ts) does not use the template: it keys on the exact
 * path (`requestPathOf`), because pairing `/users/17` with `/users/42` would compare answers about two
 * different resources and report every field as changed. Exchanges left unpaired still land in their
 * endpoint's group, as only in A or only in B.
 */
import { splitUrl } from './flow';
import { pathOnly, templatePath } from './route-template';

/** `GET /users/{id}`: the group a session report lists an exchange under. */
export function endpointOf(method: string, url: string): string {
  return `${method.toUpperCase()} ${templatePath(splitUrl(url).path)}`;
}

/** `GET /users/17`: method and exact path (no query), what a session diff pairs exchanges by. */
export function requestPathOf(method: string, url: string): string {
  return `${method.toUpperCase()} ${pathOnly(splitUrl(url).path)}`;
}
