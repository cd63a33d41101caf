/**
 * The `hindsight` command (bin/hindsight.js → dist/electron/cli/index.js). Each subcommand lives in its own
 * file and is loaded only when used, so `hindsight ca --path` does not load the proxy.
 * The command names and flags are a contract (../shared/DESIGN.md "The CLI"): extend, never rename.
 */
import { version } from './version';
import { exitOnOutputFailure, failureLine } from './fs-errors';

export type CommandMain = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<{ run: CommandMain }> }> = {
  serve: { summary: 'Run the capture proxy and web UI (--port, --ui-port, --host, --reverse URL, --allow CIDR, --log …)', load: () => import('./serve.js') },
  flows: { summary: 'List stored flows as a table or JSON lines (--filter EXPR, --json, --limit N)', load: () => import('./flows.js') },
  ca: { summary: 'Show or export the root CA certificate (--pem, --path, --der FILE, --regenerate)', load: () => import('./ca.js') },
  sysproxy: { summary: 'The OS proxy setting: status, or restore yours after a crash (status | restore)', load: () => import('./sysproxy.js') },
  export: { summary: 'Write flows as HAR, Postman, curl or NDJSON (--format F, --filter EXPR, --out FILE)', load: () => import('./export.js') },
  import: { summary: 'Add the requests of a HAR file to the stored flows (FILE.har)', load: () => import('./import.js') },
  replay: { summary: 'Send stored requests again and print the new flows (FLOW-ID… | --filter EXPR, --bypass-rules, --json)', load: () => import('./replay.js') },
  inspect: { summary: 'Node inspector relay: one debugging address that survives restarts (--port, --target, --name)', load: () => import('./inspect.js') },
  mcp: { summary: 'An MCP server on stdio for coding agents (--data DIR, --read-only, --show-secrets)', load: () => import('./mcp.js') },
  diff: { summary: 'Compare two recorded sessions, HAR files or stored-flow filters (A B, --ignore, --report FILE)', load: () => import('./diff.js') },
  report: { summary: 'Endpoint, error and coverage reports (endpoints|errors|coverage, --openapi FILE, --format table|json|csv|html)', load: () => import('./report.js') },
  users: { summary: 'Named users of a team server, each with their own token (add NAME [--admin] | list | revoke NAME)', load: () => import('./users.js') },
  store: { summary: 'Copy flows with bodies and messages between stores (copy --from DIR|URL --to DIR|URL)', load: () => import('./store.js') },
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return [`hindsight ${version} — capture, inspect, modify and replay HTTP(S) traffic`, '', 'Commands:', ...lines, '', 'Run `hindsight COMMAND --help` for its flags.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(version);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`hindsight: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  exitOnOutputFailure(name);
  const mod = await command.load();
  try {
    return await mod.run(rest);
  } catch (err) {
    // A failure no command caught itself (a data folder that cannot be created, say) is still one line
    // naming the command, and exit 1.
    console.error(`hindsight ${name}: ${failureLine(err)}`);
    return 1;
  }
}
