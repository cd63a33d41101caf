/**
 * `hindsight mcp`: an MCP server on stdio for coding agents (electron/cli/mcp/server.ts). It talks to the
 * hindsight holding the data dir (its lock file), or starts a core here for as long as the agent keeps it
 * open. stdout carries the protocol only; anything else this process prints goes to stderr.
 */
import path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { openInstance } from './open-instance';
import { defaultDataDir } from '../core/paths';
import { parseCommandArgs, type CliOutput } from './args';
import { createMcpServer } from './mcp/server';
import { version } from './version';

export const usage = `Usage: hindsight mcp [--data DIR] [--read-only] [--show-secrets]

An MCP server on stdin/stdout for coding agents: query captured flows, read outlines and bodies, wait for a
request, manage mock, map-remote and rewrite rules, replay and diff flows, export HAR/curl/Postman. Uses the
running hindsight that holds the data folder, or starts a proxy here (on a free loopback port) while the
agent is connected. Secrets (Authorization, Cookie, Set-Cookie, API keys, token fields) are masked.

  --data DIR       data folder (default: ${defaultDataDir()})
  --read-only      offer only the reading tools (no rules changed, nothing sent)
  --show-secrets   do not mask secrets in results
  -h, --help       show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs('mcp', argv, { data: { type: 'string' }, 'read-only': { type: 'boolean' }, 'show-secrets': { type: 'boolean' } }, usage, out);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  // Libraries that log with console.log must not write into the protocol stream.
  console.log = console.error;
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const opened = await openInstance(dataDir, { version, requireFlows: false });
  if ('problem' in opened) {
    out.stderr.write(`hindsight mcp: ${opened.problem}\n`);
    return 1;
  }
  for (const w of opened.warnings) out.stderr.write(`hindsight mcp: warning: ${w}\n`);
  if (opened.local) out.stderr.write(`hindsight mcp: no running hindsight holds ${dataDir}; started a proxy on 127.0.0.1:${opened.proxyPort}\n`);
  const server = createMcpServer({ api: opened.client, version, readOnly: values['read-only'] ?? false, mask: !(values['show-secrets'] ?? false) });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  server.server.onclose = () => process.stdin.emit('end');
  await server.connect(transport);
  await closed;
  await server.close().catch(() => {});
  await opened.close();
  process.stdin.destroy();
  return 0;
}
