/**
 * `hindsight inspect`: a Node inspector relay in the foreground. One fixed debugging address (127.0.0.1:9229
 * by default) that follows the user's process across restarts, new ports and cluster worker crashes
 * (electron/core/inspect/). Prints the DevTools URL and a VS Code attach configuration, then one line per
 * process that appears, restarts or goes away, until Ctrl-C. Sessions are not recorded here (no store is
 * opened): a relay started by `hindsight serve --inspect-relay` or the app's Inspector view records them.
 */
import { DEFAULT_RELAY_HOST, DEFAULT_RELAY_PORT, DEFAULT_TARGETS, isLoopbackName, type InspectProcess, type RelayConfig } from '../common/inspect';
import { checkRelayConfig } from '../core/inspect/config';
import { startRelay, type Relay } from '../core/inspect/relay';
import { parseCommandArgs, type CliOutput } from './args';

export const usage = `Usage: hindsight inspect [--port ${DEFAULT_RELAY_PORT}] [--host ${DEFAULT_RELAY_HOST}] [--target PORT|FROM-TO|HOST:PORT …] [--name NAME] [--allow CIDR…]

Runs a Node inspector relay until interrupted (Ctrl-C): one debugging address that survives restarts.
Start your app with --inspect on a port of the targets (e.g. node --inspect=${DEFAULT_RELAY_PORT + 1} app.js), open the
printed DevTools URL once, or attach VS Code to port ${DEFAULT_RELAY_PORT} with "restart": true. After a restart, on the
same or another port, click Reconnect: the address stays the same.

  --port N          relay port (default ${DEFAULT_RELAY_PORT}; 0 picks a free one)
  --host ADDR       listen address (default ${DEFAULT_RELAY_HOST}); beyond loopback --allow is required
  --target SPEC     where inspectors are looked for: PORT, FROM-TO or HOST:PORT[-TO]; repeat the flag or
                    separate with commas (default ${DEFAULT_TARGETS}, without the relay's own port)
  --name NAME       the stable path of the process (/NAME; more processes get /NAME-2 …); default: the
                    script's file name
  --allow CIDR      with a non-loopback --host: the machines allowed to connect (an inspector runs any code)
  -h, --help        show this help`;

/** Parses the flags into a relay configuration; an Error names the bad flag. Exported for tests. */
export function parseInspectArgs(values: { port?: string; host?: string; target?: string[]; name?: string; allow?: string[] }): RelayConfig {
  const list = (v: string[] | undefined) => (v ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const port = values.port === undefined ? DEFAULT_RELAY_PORT : Number(values.port);
  if (values.port !== undefined && (!/^\d+$/.test(values.port) || port > 65535)) throw new Error(`--port expects a port number (0–65535), got '${values.port}'`);
  const targets = list(values.target);
  const config: RelayConfig = { host: values.host ?? DEFAULT_RELAY_HOST, port, targets: targets.length ? targets : [DEFAULT_TARGETS] };
  if (values.name !== undefined) config.name = values.name;
  const allow = list(values.allow);
  if (allow.length) config.allow = allow;
  try {
    checkRelayConfig(config);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.replace(/^(host|port|target|name|allow)\b/, '--$1'));
  }
  return config;
}

const PID_WAIT_MS = 1000;

export async function run(argv: string[], out: CliOutput = process, signal?: AbortSignal): Promise<number> {
  const parsed = parseCommandArgs(
    'inspect',
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      target: { type: 'string', multiple: true },
      name: { type: 'string' },
      allow: { type: 'string', multiple: true },
    },
    usage,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  let config: RelayConfig;
  try {
    config = parseInspectArgs(parsed.values);
  } catch (err) {
    out.stderr.write(`hindsight inspect: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const say = (line: string) => out.stderr.write(`${line}\n`);
  let relay: Relay;
  try {
    relay = await startRelay({ checked: checkRelayConfig(config) });
  } catch (err) {
    say(`hindsight inspect: ${(err as Error).message}`);
    return 1;
  }
  const info = relay.info();
  if (!isLoopbackName(config.host)) {
    say(`WARNING: the relay listens on ${config.host}: the machines in ${config.allow?.join(', ')} can run any code in your Node processes.`);
  }
  // Addresses go to stdout (a script may read them); progress lines to stderr.
  out.stdout.write(
    [
      `Inspector relay on ${info.host}:${info.port}, watching ${config.targets.join(', ')}`,
      `DevTools:  ${info.devtoolsUrl}`,
      `           ${info.chromeDevtoolsUrl}`,
      `VS Code launch.json configuration:`,
      info.vscodeLaunch,
      '',
    ].join('\n'),
  );
  const seen = new Map<string, string>();
  // The pid arrives a moment after a process is found (pid.ts): a new process's line waits for it, briefly.
  const waitingForPid = new Map<string, number>();
  const report = () => {
    for (const p of relay.info().processes) {
      const key = `${p.path} ${p.targetId}`;
      if (p.live && p.pid === undefined && process.platform === 'linux' && !waitingForPid.has(key)) {
        waitingForPid.set(key, Date.now());
        setTimeout(report, PID_WAIT_MS).unref();
        continue;
      }
      if (p.live && p.pid === undefined && Date.now() - (waitingForPid.get(key) ?? 0) < PID_WAIT_MS) continue;
      const state = describe(p);
      if (seen.get(p.path) === state) continue;
      seen.set(p.path, state);
      say(state);
    }
  };
  report();
  relay.discovery.onDidChange(report);
  say('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      signal?.removeEventListener('abort', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    signal?.addEventListener('abort', onSignal);
  });
  await relay.close();
  return 0;
}

function describe(p: InspectProcess): string {
  if (!p.live) return `- /${p.path}  gone (waiting for it to come back; last on port ${p.targetPort})`;
  const pid = p.pid === undefined ? '' : `pid ${p.pid}  `;
  const again = p.restarts ? `  (restart ${p.restarts})` : '';
  return `+ /${p.path}  ${pid}${p.script}  port ${p.targetPort}${again}  →  ${p.devtoolsUrl}`;
}
