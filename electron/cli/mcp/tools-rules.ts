/**
 * Rules through MCP: list every rule; create, update and delete mock, map-remote and rewrite
 * (mock-request) rules. Saving goes through the API's rules.save, so a rule is validated exactly as in the
 * app (a refused rule names its bad fields) and takes effect in the proxy at once.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod/v4';
import { ApiError } from '../../common/api';
import type { Action, Rule } from '../../common/rule';
import type { RuleDraft, RuleInfo } from '../../common/rule-state';
import { jsonResult, masker, ToolError, type ToolContext } from './context';

/** The kinds an agent may manage; breakpoints hold live traffic and stay with the person at the app. */
const KINDS = ['mock', 'map-remote', 'mock-request'] as const;

const header = z.tuple([z.string().min(1).max(1000), z.string().max(64 * 1024)]);
const matcher = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url'), pattern: z.string().min(1).max(1000), syntax: z.enum(['wildcard', 'regex']).default('wildcard') }),
  z.object({ type: z.literal('method'), method: z.string().min(1).max(20) }),
  z.object({ type: z.literal('host'), host: z.string().min(1).max(300) }),
  z.object({ type: z.literal('header'), name: z.string().min(1).max(300), value: z.string().max(1000).optional() }),
]);
const action = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('mock'),
    status: z.number().int(),
    headers: z.array(header).max(200).default([]),
    body: z.string().max(1024 * 1024).default(''),
    bodyEncoding: z.enum(['utf8', 'base64']).optional(),
    delayMs: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal('map-remote'), to: z.string().min(1).max(2000), keepHostHeader: z.boolean().optional() }),
  z.object({
    type: z.literal('mock-request'),
    method: z.string().max(20).optional(),
    url: z.string().max(8000).optional(),
    headers: z.array(header).max(200).optional(),
    body: z.string().max(1024 * 1024).optional(),
    bodyEncoding: z.enum(['utf8', 'base64']).optional(),
  }),
]);
const ruleFields = {
  name: z.string().min(1).max(200),
  matchers: z.array(matcher).min(1).max(20),
  action,
  enabled: z.boolean().optional(),
  clients: z.array(z.string().max(100)).max(100).optional().describe('client IPs or CIDRs the rule applies to (default: every client)'),
  times: z.number().int().min(1).optional().describe('apply this many times, then stop'),
};

function shown(info: RuleInfo, ctx: ToolContext) {
  const m = masker(ctx);
  const a = info.rule.action;
  // A mock's headers and body are as secret as captured ones (a token pasted into a mocked login answer).
  const body = (b: string | undefined, encoding: string | undefined) => (b === undefined || encoding === 'base64' ? b : m.embedded(b));
  let actionShown: Action = a;
  if (a.type === 'mock') actionShown = { ...a, headers: m.headers(a.headers), body: body(a.body, a.bodyEncoding) ?? '' };
  if (a.type === 'mock-request') {
    actionShown = { ...a, ...(a.headers ? { headers: m.headers(a.headers) } : {}), ...(a.body !== undefined ? { body: body(a.body, a.bodyEncoding) } : {}), ...(a.url ? { url: m.url(a.url) } : {}) };
  }
  return { id: info.rule.id, name: info.rule.name, enabled: info.rule.enabled, priority: info.rule.priority, explanation: info.explanation, hits: info.hits, exhausted: info.exhausted, scope: info.rule.scope, matchers: info.rule.matchers, action: actionShown, times: info.rule.times ?? null };
}

/** rules.save's refusal, with each bad field named, as one message. */
function saved(err: unknown): never {
  if (err instanceof ApiError && err.code === 'invalid-rule') {
    const fields = err.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
    throw new ToolError(fields ? `rule refused: ${fields}` : `rule refused: ${err.message}`);
  }
  throw err;
}

async function managedRule(ctx: ToolContext, id: string): Promise<Rule> {
  const state = await ctx.api.call('rules.list', {});
  const info = state.rules.find((r) => r.rule.id === id);
  if (!info) throw new ToolError(`no rule ${id}`);
  if (!(KINDS as readonly string[]).includes(info.rule.action.type)) throw new ToolError(`rule ${id} is a ${info.rule.action.type} rule; only ${KINDS.join(', ')} rules are managed here`);
  return info.rule;
}

export function registerRuleReadTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'list_rules',
    {
      title: 'List rules',
      description: 'Every rule in the order the proxy tries them (mocks, map-remote, request rewrites, breakpoints), each with a one-line explanation and its hit count.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    async () => {
      const state = await ctx.api.call('rules.list', {});
      return jsonResult({ rules: state.rules.map((r) => shown(r, ctx)), warnings: state.warnings });
    },
  );
}

export function registerRuleWriteTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'create_rule',
    {
      title: 'Create a mock, map-remote or rewrite rule',
      description:
        "Adds a rule that takes effect in the proxy at once. Actions: mock (answer with status, headers, body without contacting the server), map-remote (send to another scheme://host:port/path-prefix), mock-request (rewrite method, url, headers or body before forwarding). Matchers: url (wildcard like 'https://api.example.com/users/*' or regex), method, host, header. Returns the saved rule with its id.",
      inputSchema: ruleFields,
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    async (args) => {
      const draft: RuleDraft = { name: args.name, matchers: args.matchers, action: args.action as Action };
      if (args.enabled !== undefined) draft.enabled = args.enabled;
      if (args.clients) draft.scope = { clients: args.clients };
      if (args.times !== undefined) draft.times = args.times;
      const info = await ctx.api.call('rules.save', { rule: draft }).catch(saved);
      return jsonResult(shown(info, ctx));
    },
  );

  server.registerTool(
    'update_rule',
    {
      title: 'Update a rule',
      description: 'Replaces the given fields of a mock, map-remote or mock-request rule (the others are kept). Saving re-arms `times` and resets the hit count.',
      inputSchema: { id: z.string().min(1).max(200), ...Object.fromEntries(Object.entries(ruleFields).map(([k, v]) => [k, v.optional()])) } as {
        id: z.ZodString;
      } & { [K in keyof typeof ruleFields]: z.ZodOptional<(typeof ruleFields)[K]> },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    },
    async (args) => {
      const rule = await managedRule(ctx, args.id);
      const draft: RuleDraft = {
        id: rule.id,
        name: args.name ?? rule.name,
        matchers: args.matchers ?? rule.matchers,
        action: (args.action as Action | undefined) ?? rule.action,
        enabled: args.enabled ?? rule.enabled,
        priority: rule.priority,
        scope: args.clients ? { ...rule.scope, clients: args.clients } : rule.scope,
      };
      const times = args.times ?? rule.times;
      if (times !== undefined) draft.times = times;
      const info = await ctx.api.call('rules.save', { rule: draft }).catch(saved);
      return jsonResult(shown(info, ctx));
    },
  );

  server.registerTool(
    'delete_rule',
    {
      title: 'Delete a rule',
      description: 'Removes a mock, map-remote or mock-request rule by id.',
      inputSchema: { id: z.string().min(1).max(200) },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    },
    async ({ id }) => {
      await managedRule(ctx, id);
      const { removed } = await ctx.api.call('rules.delete', { ids: [id] });
      return jsonResult({ removed });
    },
  );
}
