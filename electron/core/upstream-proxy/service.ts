/**
 * Upstream proxies (upstream-proxy rules, electron/common/connection-rule.ts): which proxy carries an
 * exchange or a passthrough tunnel, and the connections through it.
 * - Routing: the first upstream-proxy rule that applies (global = no matchers, per host = host matchers,
 *   per profile = its scope); a PAC rule asks its script (pac.ts). None, or `direct`: straight to the server.
 * - Exchanges go through pooled agents, one per proxy and scheme: http:// targets through an HTTP(S) proxy
 *   are absolute-form requests to the proxy (a plain keep-alive pool; http-proxy-agent rewrites headers
 *   from Node's header map and would drop the raw header list the proxy forwards), https:// targets use
 *   https-proxy-agent (CONNECT, then TLS to the server, verified as usual), SOCKS5 uses socks-proxy-agent
 *   for both. Tunnels (passthrough) use a bare CONNECT or SOCKS5.
 * - A proxy that is this Hindsight itself (its proxy or UI port on a local address, rules/own-proxy.ts) is
 *   refused: a rule naming it cannot be saved, and what gets through (a PAC script's answer, a rule saved by
 *   another node or for another port) fails the exchange with 508.
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import https from 'node:https';
import { describeUpstreamProxy, parseUpstreamProxy, type UpstreamProxy } from '../../common/connection-rule';
import type { Rule } from '../../common/rule';
import type { RulePipeline } from '../rules/pipeline';
import type { MatchInput } from '../rules/rule-set';
import { isOwnProxy, type OwnAddress } from '../rules/own-proxy';
import { onFirstUse } from '../base/on-first-use';
import { connectDirect } from './direct';
import { PacScripts } from './pac';

/** The proxy clients, loaded when a route first goes through an upstream proxy (most proxies never do). */
const httpsProxyAgent = onFirstUse(() => require('https-proxy-agent') as typeof import('https-proxy-agent'));
const socksProxyAgent = onFirstUse(() => require('socks-proxy-agent') as typeof import('socks-proxy-agent'));
const socks = onFirstUse(() => require('socks') as typeof import('socks'));

type ViaProxy = Exclude<UpstreamProxy, { kind: 'direct' } | { kind: 'pac' }>;

/** Where an exchange goes: through `proxy`, chosen by `rule` (`label` is what the flow shows). */
export interface ProxyRoute {
  rule: Rule;
  proxy: ViaProxy;
  label: string;
}

/** The agent to use, and for an HTTP(S) proxy carrying an http:// request, where to send it absolute-form. */
export interface ProxyPlan {
  agent: http.Agent;
  /** The agent carries its own TLS settings (a client certificate's pool): the request adds none. */
  ownTls?: boolean;
  absoluteForm?: { host: string; port: number; tls: boolean; headers: string[] };
}

/** Refused routes carry the status the client gets. */
export class ProxyRouteError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface UpstreamProxiesOptions {
  rules: RulePipeline;
  lookup?: net.LookupFunction;
  /** The ports of this Hindsight (proxy, UI/API) and the host the proxy listens on. */
  self: () => OwnAddress;
}

const TUNNEL_TIMEOUT_MS = 30_000;

export class UpstreamProxies {
  private readonly agents = new Map<string, http.Agent>();
  private readonly pac = new PacScripts();

  constructor(private readonly options: UpstreamProxiesOptions) {}

  /**
   * The proxy for this exchange: undefined for a direct connection (no rule, `direct`, or a PAC's DIRECT);
   * a promise only when a PAC script must run. Throws (or rejects) ProxyRouteError for a loop or a bad PAC.
   */
  route(matchInput: () => MatchInput, target: { host: string; port: number }): ProxyRoute | undefined | Promise<ProxyRoute | undefined> {
    const { rules } = this.options;
    if (!rules.hasConnectionRules()) return undefined;
    const input = matchInput();
    const rule = rules.connectionRule('upstream-proxy', input);
    if (!rule || !rules.hit(rule)) return undefined;
    const parsed = parseUpstreamProxy((rule.action as { proxy: string }).proxy);
    if (!parsed.ok) return undefined;
    const proxy = parsed.proxy;
    if (proxy.kind === 'direct') return undefined;
    if (proxy.kind !== 'pac') return this.checked(rule, proxy, describeUpstreamProxy(proxy));
    return this.pac.resolve(proxy.location, input.url, target.host).then(
      (chosen) => (chosen.kind === 'direct' || chosen.kind === 'pac' ? undefined : this.checked(rule, chosen, `${describeUpstreamProxy(chosen)} (from PAC ${proxy.location})`)),
      (err: Error) => {
        throw new ProxyRouteError(`the PAC script of rule "${rule.name}" failed: ${err.message}`, 502);
      },
    );
  }

  /**
   * How a request to an http (secure false) or https server goes through the route's proxy. `tunnel`: an http
   * server is reached through a CONNECT tunnel too, not absolute-form (WebSocket upgrades, as browsers do: an
   * HTTP proxy need not pass an Upgrade on).
   */
  planFor(route: ProxyRoute, secure: boolean, tunnel = false): ProxyPlan {
    const p = route.proxy;
    const absoluteForm = !secure && !tunnel && (p.kind === 'http' || p.kind === 'https');
    const key = `${absoluteForm ? 'a' : secure ? 's' : tunnel ? 't' : 'p'}|${p.kind}|${p.host}|${p.port}|${p.username ?? ''}|${p.password ?? ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const url = proxyUrl(p);
      const pool = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 60_000 };
      if (p.kind === 'socks5' || p.kind === 'socks5h') agent = new (socksProxyAgent().SocksProxyAgent)(url, pool);
      // CONNECT, then TLS to the server for an https one (agent-base tells them apart per request).
      else if (secure || tunnel) agent = new (httpsProxyAgent().HttpsProxyAgent)(url, pool);
      else agent = p.kind === 'https' ? new https.Agent(pool) : new http.Agent(pool);
      this.agents.set(key, agent);
    }
    if (!absoluteForm) return { agent };
    const headers = p.username !== undefined ? ['Proxy-Authorization', `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}`] : [];
    return { agent, absoluteForm: { host: p.host, port: p.port, tls: p.kind === 'https', headers } };
  }

  /** A raw TCP tunnel to host:port (for passthrough): direct, or through the route's proxy (CONNECT or SOCKS5). */
  async openTunnel(route: ProxyRoute | undefined, host: string, port: number): Promise<net.Socket> {
    if (!route) return connectDirect(host, port, this.options.lookup);
    const p = route.proxy;
    if (p.kind === 'socks5' || p.kind === 'socks5h') {
      // socks5: the name is resolved here; socks5h: the proxy resolves it.
      const destination = p.kind === 'socks5' && !net.isIP(host) ? await resolve(host, this.options.lookup) : host;
      const { socket } = await socks().SocksClient.createConnection({
        proxy: { host: p.host, port: p.port, type: 5, ...(p.username !== undefined ? { userId: p.username, password: p.password ?? '' } : {}) },
        command: 'connect',
        destination: { host: destination, port },
        timeout: TUNNEL_TIMEOUT_MS,
      });
      return socket;
    }
    return httpConnect(p, host, port);
  }

  dispose(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.pac.dispose();
  }

  private checked(rule: Rule, proxy: ViaProxy, label: string): ProxyRoute {
    if (this.isSelf(proxy)) {
      throw new ProxyRouteError(`the upstream proxy ${describeUpstreamProxy(proxy)} of rule "${rule.name}" is this Hindsight itself; refusing to send traffic in a loop`, 508);
    }
    return { rule, proxy, label };
  }

  private isSelf(proxy: ViaProxy): boolean {
    return isOwnProxy(proxy, this.options.self());
  }
}

function proxyUrl(p: ViaProxy): string {
  const auth = p.username !== undefined ? `${encodeURIComponent(p.username)}${p.password !== undefined ? `:${encodeURIComponent(p.password)}` : ''}@` : '';
  return `${p.kind}://${auth}${net.isIPv6(p.host) ? `[${p.host}]` : p.host}:${p.port}`;
}

function resolve(host: string, lookup: net.LookupFunction | undefined): Promise<string> {
  return new Promise((done, fail) => {
    const look = (lookup ?? dns.lookup) as (host: string, options: object, cb: (err: Error | null, address: string) => void) => void;
    look(host, {}, (err, address) => (err ? fail(err) : done(address)));
  });
}

/** CONNECT host:port through an HTTP(S) proxy; resolves with the tunnel's socket once the proxy said 2xx. */
function httpConnect(p: ViaProxy, host: string, port: number): Promise<net.Socket> {
  return new Promise((done, fail) => {
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { Host: authority };
    if (p.username !== undefined) headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}`;
    const req = http.request({
      host: p.host,
      port: p.port,
      method: 'CONNECT',
      path: authority,
      headers,
      timeout: TUNNEL_TIMEOUT_MS,
      ...(p.kind === 'https' ? { createConnection: () => tls.connect({ host: p.host, port: p.port, servername: net.isIP(p.host) ? undefined : p.host }) } : {}),
    });
    req.once('connect', (res, socket) => {
      if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return done(socket as net.Socket);
      socket.destroy();
      fail(new Error(`the upstream proxy ${describeUpstreamProxy(p)} refused CONNECT ${authority} with ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
    });
    req.once('timeout', () => req.destroy(new Error(`the upstream proxy ${describeUpstreamProxy(p)} did not answer CONNECT within ${TUNNEL_TIMEOUT_MS / 1000} s`)));
    req.once('error', fail);
    req.end();
  });
}
