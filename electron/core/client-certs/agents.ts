/**
 * Which client certificate an upstream HTTPS request presents: the first client-certificate rule that
 * applies (host matchers, client/profile scope), served by a pool of its own (a TLS session and a pooled
 * connection belong to one identity), built once per rule version.
 */
import type https from 'node:https';
import type tls from 'node:tls';
import type { ClientCertificateAction } from '../../common/connection-rule';
import type { Rule } from '../../common/rule';
import type { RulePipeline } from '../rules/pipeline';
import type { MatchInput } from '../rules/rule-set';
import { loadClientIdentity } from '../rules/client-cert-files';

export interface ClientCertificateUse {
  rule: Rule;
  agent: https.Agent;
  /** Shown on the flow. */
  subject: string;
}

export class ClientCertificates {
  private readonly agents = new Map<string, https.Agent>();

  constructor(
    private readonly dataDir: string,
    private readonly rules: RulePipeline,
    /** capture/upstream.ts's Upstream: the pools a client certificate's agent is built like. */
    private readonly upstream: { httpsAgentWith(identity: tls.SecureContextOptions): https.Agent },
  ) {}

  /** Undefined when no rule applies; throws with a reason when the rule's stored certificate cannot be read. */
  forRequest(input: () => MatchInput): ClientCertificateUse | undefined {
    if (!this.rules.hasConnectionRules()) return undefined;
    const rule = this.rules.connectionRule('client-certificate', input());
    if (!rule || !this.rules.hit(rule)) return undefined;
    const action = rule.action as ClientCertificateAction;
    const key = `${rule.id}\u0000${rule.version ?? 0}`;
    let agent = this.agents.get(key);
    if (!agent) {
      let identity;
      try {
        identity = loadClientIdentity(this.dataDir, action.certificate ?? '');
      } catch (err) {
        throw new Error(`the client certificate of rule "${rule.name}" cannot be read (${(err as Error).message}); save the rule again with the certificate`);
      }
      agent = this.upstream.httpsAgentWith(identity);
      this.agents.set(key, agent);
    }
    return { rule, agent, subject: action.subject ?? 'a client certificate' };
  }

  dispose(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
