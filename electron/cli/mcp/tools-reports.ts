/**
 * The reports (electron/core/report through the API's report.endpoints and report.errors) as MCP tools:
 * endpoint_report (per method + host + route template: calls, status classes, latency, bytes, clients)
 * and error_report (4xx, 5xx and failed exchanges grouped by endpoint and status, with example flow ids
 * to open with get_flow). Both only read. Reports hold no bodies and no headers; what could still carry a
 * secret is masked: a route (a query string, should one survive) and a failure's message.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod/v4';
import type { EndpointStats, ErrorGroup, ReportQuery } from '../../common/report';
import { parseTimeWindow } from '../time-arg';
import { jsonResult, masker, ToolError, type ToolContext } from './context';

/** Endpoints or error groups per result unless `limit` says otherwise, and the most it may say. */
const DEFAULT_ROWS = 50;
const MAX_ROWS = 500;
/** Client IPs listed per endpoint; the rest are counted. */
const MAX_CLIENTS = 20;

const TIME_HELP = 'an ISO date or time (2026-12-04, 2026-12-04T09:00Z), epoch ms, or a duration ago (30m, 2h, 7d)';

const querySchema = {
  filter: z.string().max(10_000).optional().describe("which flows count, in the filter language, e.g. 'host:api.example.com -is:replay'"),
  since: z.string().max(100).optional().describe(`only flows started at or after: ${TIME_HELP}`),
  until: z.string().max(100).optional().describe(`only flows started before: ${TIME_HELP}`),
  profile: z.string().max(200).optional().describe('only flows from the clients of this device profile (id or name)'),
  limit: z.number().int().min(1).max(MAX_ROWS).optional().describe(`rows per result (default ${DEFAULT_ROWS})`),
};

interface QueryArgs {
  filter?: string;
  since?: string;
  until?: string;
  profile?: string;
}

/** The API query for the tool's arguments; a bad time or an empty window is refused with the reason. */
export function reportQuery(args: QueryArgs, now = Date.now()): ReportQuery {
  const query: ReportQuery = {};
  if (args.filter) query.filter = args.filter;
  if (args.profile) query.profile = args.profile;
  try {
    return { ...query, ...parseTimeWindow(args, (end) => end, now) };
  } catch (err) {
    throw new ToolError((err as Error).message);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export function registerReportTools(server: McpServer, ctx: ToolContext): void {
  const m = masker(ctx);

  server.registerTool(
    'endpoint_report',
    {
      title: 'Endpoint report',
      description:
        'Per endpoint (method + host + route template, e.g. GET api.example.com /users/{id}), busiest first: calls, status classes (1xx…5xx, failed), error rate, latency p50/p95/max in ms, bytes, first and last seen, clients. Narrow with filter, since and until.',
      inputSchema: querySchema,
      annotations: { readOnlyHint: true },
    },
    async ({ limit = DEFAULT_ROWS, ...args }) => {
      const report = await ctx.api.call('report.endpoints', reportQuery(args));
      const endpoint = (e: EndpointStats) => {
        const { clients, firstSeen, lastSeen, ...rest } = e;
        const out: Record<string, unknown> = { ...rest, route: m.url(e.route), firstSeen: iso(firstSeen), lastSeen: iso(lastSeen), clients: clients.slice(0, MAX_CLIENTS) };
        if (clients.length > MAX_CLIENTS) out.moreClients = clients.length - MAX_CLIENTS;
        return out;
      };
      return jsonResult({
        flows: report.flows,
        endpointCount: report.endpoints.length,
        ...(report.openapi !== undefined ? { openapi: report.openapi } : {}),
        endpoints: report.endpoints.slice(0, limit).map(endpoint),
        more: Math.max(0, report.endpoints.length - limit),
      });
    },
  );

  server.registerTool(
    'error_report',
    {
      title: 'Error report',
      description:
        'Every 4xx, 5xx and failed exchange grouped by endpoint (method + host + route template) and status, most frequent first: count, first and last seen, the latest failure message, and the newest flow ids (open them with get_flow). Narrow with filter, since and until.',
      inputSchema: querySchema,
      annotations: { readOnlyHint: true },
    },
    async ({ limit = DEFAULT_ROWS, ...args }) => {
      const report = await ctx.api.call('report.errors', reportQuery(args));
      const group = (g: ErrorGroup) => {
        const { firstSeen, lastSeen, error, ...rest } = g;
        return { ...rest, route: m.url(g.route), ...(error !== undefined ? { error: m.text(error) } : {}), firstSeen: iso(firstSeen), lastSeen: iso(lastSeen) };
      };
      return jsonResult({
        flows: report.flows,
        errors: report.errors,
        groupCount: report.groups.length,
        ...(report.openapi !== undefined ? { openapi: report.openapi } : {}),
        groups: report.groups.slice(0, limit).map(group),
        more: Math.max(0, report.groups.length - limit),
      });
    },
  );
}
