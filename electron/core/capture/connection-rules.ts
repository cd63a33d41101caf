/**
 * Where the capture proxy asks the connection rules (electron/common/connection-rule.ts): at CONNECT
 * (passthrough), when a flow would start (do-not-record). Each answer counts as a hit of the rule.
 */
import type http from 'node:http';
import type { Rule } from '../../common/rule';
import type { RulePipeline } from '../rules/pipeline';
import { headerPairs } from '../../common/headers';
import { urlHost } from './target';

/** The passthrough rule for a tunnel to host:port from this client, if one applies. */
export function passthroughRule(rules: RulePipeline | undefined, clientIp: string, host: string, port: number, connect: http.IncomingMessage): Rule | undefined {
  if (!rules?.hasConnectionRules()) return undefined;
  const rule = rules.connectionRule('passthrough', { clientIp, method: 'CONNECT', url: `https://${urlHost(host)}:${port}/`, headers: headerPairs(connect.rawHeaders) });
  return rule && rules.hit(rule) ? rule : undefined;
}

/** For Recorder's `skip`: true when a do-not-record rule applies to the exchange (or tunnel) about to be recorded. */
export function doNotRecord(rules: RulePipeline | undefined): ((clientIp: string, req: http.IncomingMessage, url: string) => boolean) | undefined {
  if (!rules) return undefined;
  return (clientIp, req, url) => {
    if (!rules.hasConnectionRules()) return false;
    const rule = rules.connectionRule('do-not-record', { clientIp, method: req.method ?? 'GET', url, headers: headerPairs(req.rawHeaders) });
    return rule !== undefined && rules.hit(rule);
  };
}
