/**
 * The MCP server (a shell like the CLI and the web UI, over the same API): tools for coding agents to read
 * captured traffic and set up mocks, built on the official SDK's McpServer. `readOnly` registers only the
 * reading tools, so a write is not even offered; secrets are masked in every result unless `mask` is off.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ApiClient } from '../../common/api';
import type { ToolContext } from './context';
import { registerFlowTools } from './tools-flows';
import { registerDiffExportTools, registerReplayTool } from './tools-replay';
import { registerReportTools } from './tools-reports';
import { registerRuleReadTools, registerRuleWriteTools } from './tools-rules';

export interface McpServerOptions {
  api: ApiClient;
  version: string;
  readOnly: boolean;
  mask: boolean;
}

export const READ_TOOLS = ['query_flows', 'get_flow', 'get_body', 'wait_for_flow', 'list_rules', 'diff_flows', 'export_flows', 'endpoint_report', 'error_report'] as const;
export const WRITE_TOOLS = ['create_rule', 'update_rule', 'delete_rule', 'replay_flow'] as const;

export function createMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'hindsight', version: options.version },
    {
      instructions:
        'Hindsight records HTTP(S) traffic through its proxy. Find requests with query_flows (filter language, e.g. "status:5xx host:api.example.com"), read one with get_flow and get_body, and set up mocks with create_rule; endpoint_report and error_report summarise the traffic per endpoint. Secrets in results are masked.',
    },
  );
  const ctx: ToolContext = { api: options.api, mask: options.mask };
  registerFlowTools(server, ctx);
  registerRuleReadTools(server, ctx);
  registerDiffExportTools(server, ctx);
  registerReportTools(server, ctx);
  if (!options.readOnly) {
    registerRuleWriteTools(server, ctx);
    registerReplayTool(server, ctx);
  }
  return server;
}
