/**
 * "Copy as curl": one stored request as a curl command that sends the same bytes again, for bash, cmd.exe
 * or PowerShell. The UI copies `command`; the CLI also writes `files` (bodies that cannot be typed).
 *
 * Why not @readme/httpsnippet's shell/curl target: it sorts headers, keeps one value per header name,
 * pretty-prints JSON bodies, re-encodes form bodies and adds --compressed, so the request it describes
 * is not the one that was captured; its PowerShell target leaves single quotes in bodies unescaped and
 * it has no cmd.exe target. Exactness is the point of this export, so the command is built here.
 */
import { headerValue, type Flow, type Headers } from '../../common/flow';
import { utf8Text } from './body';
import { commentLine, lineContinuation, quoteFor, type Shell } from '../../common/shell-quote';

export type { Shell };

export interface CurlFile {
  /** Relative file name the command refers to (the command must run in the folder holding it). */
  name: string;
  bytes: Buffer;
}

export interface CurlCommand {
  command: string;
  /** Files the command reads (binary bodies); empty when the command stands alone. */
  files: CurlFile[];
}

/** Headers that belong to the hop to Hindsight, not to the origin. */
const HOP_HEADERS = new Set(['proxy-connection', 'proxy-authorization']);

const program: Record<Shell, string> = { bash: 'curl', cmd: 'curl', powershell: 'curl.exe' };

/** Whether a text body can be typed literally into the shell (else it goes through a file). */
function typable(text: string, shell: Shell): boolean {
  // Control characters other than tab (and newline where the shell keeps it) do not survive copy/paste;
  // cmd.exe passes non-ASCII through the console code page, so only printable ASCII is safe there.
  return shell === 'cmd' ? /^[\t\x20-\x7e]*$/.test(text) : !/[\0-\x08\x0b-\x1f\x7f]/.test(text);
}

export function bodyFileName(flowId: string): string {
  return `body-${flowId.replace(/[^A-Za-z0-9_-]/g, '_')}.bin`;
}

/** `Name: value`, or `Name;` for an empty value (curl drops a header given as `Name:`). */
function headerArg(name: string, value: string): string {
  return value === '' ? `${name};` : `${name}: ${value}`;
}

export function toCurl(flow: Flow, body: Buffer | null, shell: Shell): CurlCommand {
  const quote = quoteFor[shell];
  const { method, url, httpVersion, headers } = flow.request;
  const ref = flow.request.body;
  const comments: string[] = [];
  const args: string[] = [];
  const files: CurlFile[] = [];

  const stored = body ?? Buffer.alloc(0);
  const sendsBody = stored.length > 0;
  const incomplete = ref.truncated || (ref.size > 0 && stored.length < ref.size);
  if (incomplete) {
    comments.push(
      `WARNING: the request body was truncated, only ${stored.length} of ${ref.size} bytes were stored.`,
      'This command sends only the stored bytes with the original Content-Length and cannot replay the request exactly.',
    );
  }

  args.push(method === 'HEAD' ? '--head' : `--request ${quote(method)}`);
  args.push(`--url ${quote(url)}`);
  // curl reads [] and {} in URLs as glob patterns and squashes /./ and /../ unless told not to.
  if (/[[\]{}]/.test(url)) args.push('--globoff');
  if (/\/\.\.?(?:[/?#]|$)/.test(url.replace(/^[a-z]+:\/\/[^/]*/i, ''))) args.push('--path-as-is');
  if (httpVersion === '1.0') args.push('--http1.0');
  // h2c (HTTP/2 in plain text) was spoken with prior knowledge: curl's --http2 would try an Upgrade instead.
  else if (httpVersion.startsWith('2')) args.push(/^http:/i.test(url) ? '--http2-prior-knowledge' : '--http2');
  // curl negotiates HTTP/2 over TLS by itself; pin the version the request was sent with.
  else if (/^https:/i.test(url)) args.push('--http1.1');

  const sent: Headers = headers.filter(([name]) => {
    const lower = name.toLowerCase();
    if (HOP_HEADERS.has(lower) || lower.startsWith(':')) return false;
    // curl computes Content-Length from the body it sends; a truncated body keeps the original as a record.
    return !(lower === 'content-length' && sendsBody && !incomplete);
  });
  for (const [name, value] of sent) args.push(`--header ${quote(headerArg(name, value))}`);
  // Headers curl adds by itself unless told not to, when the captured request had none.
  const suppress = ['User-Agent', 'Accept'];
  if (sendsBody) suppress.push('Content-Type', 'Expect');
  for (const name of suppress) if (headerValue(headers, name) === undefined) args.push(`--header ${quote(`${name}:`)}`);

  if (sendsBody) {
    const text = utf8Text(stored);
    if (text !== null && typable(text, shell)) {
      args.push(`--data-raw ${quote(text)}`);
    } else {
      const name = bodyFileName(flow.id);
      files.push({ name, bytes: stored });
      comments.push(`The request body is in ${name}, ${stored.length} bytes; run this in the folder holding it.`);
      args.push(`--data-binary ${quote(`@${name}`)}`);
    }
  }

  const lines = [`${program[shell]} ${args[0]}`, ...args.slice(1).map((a) => `  ${a}`)];
  const command = [
    ...comments.map(commentLine[shell]),
    lines.join(`${lineContinuation[shell]}\n`),
  ].join('\n');
  return { command, files };
}
