/**
 * How an exchange's upstream connection is made, for requests (forward.ts) and upgrades (upgrade.ts) alike:
 * through the upstream proxy a rule picks (electron/core/upstream-proxy), else with the client certificate a
 * rule picks (electron/core/client-certs; not combined with a proxy: the proxy route wins), else direct.
 * What was chosen is written on the flow, once, as the flow's upstreamProxy / clientCertificate and an
 * applied rule.
 */
import type { Flow } from '../../common/flow';
import type { ClientCertificates } from '../client-certs/agents';
import type { MatchInput } from '../rules/rule-set';
import type { ProxyPlan, ProxyRoute, UpstreamProxies } from '../upstream-proxy/service';
import type { Failure } from './failure';
import type { Target } from './target';

export interface ConnectionRules {
  proxies?: UpstreamProxies;
  clientCertificates?: ClientCertificates;
}

/**
 * Calls `go` with the upstream proxy route for the target (undefined: none), synchronously unless a PAC script
 * must run; or `fail` with the refusal (a loop into this Hindsight: 508, a failing PAC script: 502).
 */
export function pickRoute(proxies: UpstreamProxies | undefined, target: Target, matchInput: () => MatchInput, go: (route: ProxyRoute | undefined) => void, fail: (failure: Failure) => void): void {
  if (!proxies) return go(undefined);
  const refused = (err: Error & { status?: number }) => fail({ phase: 'rule', message: err.message, status: err.status ?? 502 });
  let route: ReturnType<UpstreamProxies['route']>;
  try {
    route = proxies.route(matchInput, target);
  } catch (err) {
    return refused(err as Error);
  }
  if (route instanceof Promise) route.then(go, refused);
  else go(route);
}

/**
 * The agent for the upstream request (undefined: the direct pools), noted on the flow. `tunnel`: an http
 * server behind an HTTP proxy is reached through CONNECT (upgrades). Throws when a rule's stored client
 * certificate cannot be read.
 */
export function connectionPlan(rules: ConnectionRules, route: ProxyRoute | undefined, at: { target: Target; matchInput: () => MatchInput; flow?: Flow; tunnel?: boolean }): ProxyPlan | undefined {
  const { flow, target } = at;
  if (route) {
    if (flow && flow.upstreamProxy === undefined) {
      flow.upstreamProxy = route.label;
      flow.appliedRules.push({ id: route.rule.id, kind: 'upstream-proxy', name: route.rule.name });
    }
    return rules.proxies!.planFor(route, target.secure, at.tunnel);
  }
  const use = target.secure ? rules.clientCertificates?.forRequest(at.matchInput) : undefined;
  if (!use) return undefined;
  if (flow && flow.clientCertificate === undefined) {
    flow.clientCertificate = use.subject;
    flow.appliedRules.push({ id: use.rule.id, kind: 'client-certificate', name: use.rule.name });
  }
  return { agent: use.agent, ownTls: true };
}
