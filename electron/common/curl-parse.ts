/**
 * "Paste curl": a curl command line (bash syntax, as "Copy as cURL" in browsers, Postman and Hindsight's own
 * export write it) turned into the request curl would send, for the composer and flows.parseCurl.
 *
 * Why written here: curlconverter, the well-known parser, brings tree-sitter (a native module plus a WASM
 * grammar) and targets code generation; shell-quote drops line continuations into empty words and does not
 * know $'…' strings, which Chrome's copies use. Two small, tested parts instead: shellWords() splits the
 * line as bash would (without running anything: expansions are refused), parseCurl() reads curl's options.
 *
 * The request states what the command states, in curl's header order (Host, Authorization, User-Agent,
 * Accept-Encoding, Referer, Cookie, the -H headers, then the body's Content-Type and Content-Length), with
 * one difference: curl's own defaults `User-Agent: curl/<version>` and `Accept: *\/*` are not added.
 * A -H header replaces the one an option implies; `-H 'Name:'` removes it; `-H 'Name;'` sends it empty.
 */
import { toBase64Url } from './profile-share';
import type { Headers } from './flow';
import { urlAuthority, withoutUserinfo } from './url';
import type { OutgoingRequest, ParsedCurl } from './replay';

export class CurlParseError extends Error {
  override name = 'CurlParseError';
}

// ---------------------------------------------------------------------------------------------------------
// Bash words

export interface ShellWords {
  words: string[];
  /** What followed an unquoted operator (| ; & < > …), which is not part of the command. */
  ignored?: string;
}

/**
 * Bytes written as \xHH or octal escapes in $'…' that are not ASCII are kept as lone surrogates
 * U+DC80–U+DCFF ("surrogateescape"), so a word can carry bytes that are not UTF-8 text.
 */
const ESCAPED_BYTE = 0xdc00;

/**
 * Splits a command line into words as bash does: quotes ('…', "…", $'…'), backslash escapes, line
 * continuations and comments. Parameter and command expansion ($VAR, $(…), `…`) are refused: what they
 * stand for is not in the text.
 */
export function shellWords(text: string): ShellWords {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const end = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      end();
      i++;
      continue;
    }
    if (c === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if ('|;&<>()'.includes(c)) {
      end();
      return { words, ignored: text.slice(i) };
    }
    word ??= '';
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new CurlParseError(`a single quote at column ${i + 1} is never closed`);
      word += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '$' && text[i + 1] === "'") {
      const read = ansiC(text, i + 2);
      word += read.text;
      i = read.next;
    } else if (c === '"' || (c === '$' && text[i + 1] === '"')) {
      const read = doubleQuoted(text, c === '$' ? i + 2 : i + 1);
      word += read.text;
      i = read.next;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new CurlParseError('the command ends with a lone backslash');
      word += text[i + 1];
      i += 2;
    } else if (c === '$' || c === '`') {
      expansionCheck(text, i);
      word += c;
      i++;
    } else {
      word += c;
      i++;
    }
  }
  end();
  return { words };
}

function expansionCheck(text: string, i: number): void {
  const next = text[i + 1] ?? '';
  if (text[i] === '`' || /[A-Za-z0-9_{(@*#?$!-]/.test(next)) {
    const shown = /^(?:\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[^}\n]*\}?|\([^)\n]*\)?|.)|`[^`\n]*`?)/.exec(text.slice(i, i + 40))![0];
    throw new CurlParseError(`the command uses shell expansion (${shown}) at column ${i + 1}; write the value out instead`);
  }
}

function doubleQuoted(text: string, start: number): { text: string; next: number } {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { text: out, next: i + 1 };
    if (c === '\\') {
      const n = text[i + 1];
      if (n === '\n') {
        i += 2;
        continue;
      }
      // Inside double quotes a backslash escapes only these; before anything else it stays.
      if (n !== undefined && '$`"\\'.includes(n)) {
        out += n;
        i += 2;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if (c === '$' || c === '`') expansionCheck(text, i);
    out += c;
    i++;
  }
  throw new CurlParseError(`a double quote at column ${start} is never closed`);
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** Bash's $'…': C-style escapes. Bytes above 0x7f come out escaped (see ESCAPED_BYTE) and are rejoined later. */
function ansiC(text: string, start: number): { text: string; next: number } {
  let out = '';
  let i = start;
  let nul = false;
  const byte = (b: number) => {
    if (b === 0) nul = true; // bash cuts a word at NUL
    else if (!nul) out += b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(ESCAPED_BYTE + b);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "'") return { text: rejoinBytes(out), next: i + 1 };
    if (c !== '\\') {
      if (!nul) out += c;
      i++;
      continue;
    }
    const n = text[i + 1] ?? '';
    let m: RegExpExecArray | null;
    if (n in SIMPLE_ESCAPES) {
      if (!nul) out += SIMPLE_ESCAPES[n];
      i += 2;
    } else if ((m = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4)))) {
      byte(parseInt(m[0], 8) & 0xff);
      i += 1 + m[0].length;
    } else if (n === 'x' && (m = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i + 2, i + 4)))) {
      byte(parseInt(m[0], 16));
      i += 2 + m[0].length;
    } else if ((n === 'u' || n === 'U') && (m = new RegExp(`^[0-9A-Fa-f]{1,${n === 'u' ? 4 : 8}}`).exec(text.slice(i + 2, i + 10)))) {
      const code = parseInt(m[0], 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new CurlParseError(`\\${n}${m[0]} is not a character`);
      if (code === 0) nul = true;
      else if (!nul) out += String.fromCodePoint(code);
      i += 2 + m[0].length;
    } else if (n === 'c' && i + 2 < text.length) {
      byte(text.charCodeAt(i + 2) & 0x1f);
      i += 3;
    } else {
      // Unknown escapes stay as written, as in bash.
      if (!nul) out += c;
      i++;
    }
  }
  throw new CurlParseError(`a $' string at column ${start - 1} is never closed`);
}

// ---------------------------------------------------------------------------------------------------------
// UTF-8 with escaped bytes (the layer has no TextEncoder)

/** UTF-8 bytes of `text`; escaped bytes (ESCAPED_BYTE + b) come out as the byte b. */
export function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= ESCAPED_BYTE + 0x80 && c <= ESCAPED_BYTE + 0xff) {
      out.push(c - ESCAPED_BYTE);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** Escaped bytes that together spell valid UTF-8 become the characters they spell. */
function rejoinBytes(text: string): string {
  if (!hasEscapedBytes(text)) return text;
  const bytes = utf8Bytes(text);
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    let code = length === 1 ? b : length === 2 ? b & 31 : length === 3 ? b & 15 : b & 7;
    let ok = length > 0 && i + length <= bytes.length;
    for (let k = 1; ok && k < length; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) ok = false;
      else code = (code << 6) | (bytes[i + k] & 63);
    }
    if (ok && length > 1 && (code < [0, 0, 0x80, 0x800, 0x10000][length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(code);
      i += length;
    } else {
      out += String.fromCharCode(ESCAPED_BYTE + b);
      i++;
    }
  }
  return out;
}

function hasEscapedBytes(text: string): boolean {
  return /[\udc80-\udcff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}

/** Standard base64 (RFC 4648 §4), padded. */
export function base64Of(bytes: Uint8Array | number[]): string {
  const text = toBase64Url(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes)).replace(/-/g, '+').replace(/_/g, '/');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

// ---------------------------------------------------------------------------------------------------------
// curl's options

interface CurlState {
  method?: string;
  urls: string[];
  /** -H headers in order; `value: null` removes the header an option implies. */
  headers: { name: string; value: string | null }[];
  data: string[];
  json: string[];
  get: boolean;
  head: boolean;
  user?: string;
  bearer?: string;
  agent?: string;
  referer?: string;
  cookies: string[];
  range?: string;
  compressed: boolean;
  notes: string[];
}

type OptionSpec = { arg: false; run: (s: CurlState) => void } | { arg: true; run: (s: CurlState, value: string) => void };

const note = (text: string) => (s: CurlState) => {
  if (!s.notes.includes(text)) s.notes.push(text);
};
const ignore = () => {};
const refuse = (text: string) => () => {
  throw new CurlParseError(text);
};
const fromFile = (option: string, value: string) => {
  throw new CurlParseError(`${option} ${value} reads a file, which a pasted command cannot bring along; paste the content instead (--data-raw '…')`);
};

function data(option: string, literal = false) {
  return (s: CurlState, value: string) => {
    if (!literal && value.startsWith('@')) fromFile(option, value);
    s.data.push(value);
  };
}

/** curl --data-urlencode: `content`, `=content`, `name=content` (the content is encoded; @file forms refused). */
function urlencodeData(s: CurlState, value: string): void {
  const eq = value.indexOf('=');
  const at = value.indexOf('@');
  if (at >= 0 && (eq < 0 || at < eq)) fromFile('--data-urlencode', value);
  if (eq < 0) s.data.push(formEncode(value));
  else s.data.push((eq > 0 ? value.slice(0, eq) + '=' : '') + formEncode(value.slice(eq + 1)));
}

/** curl's encoding: everything but letters, digits and -._~ as %XX of the UTF-8 bytes, space as +. */
function formEncode(text: string): string {
  return utf8Bytes(text)
    .map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

function header(s: CurlState, value: string): void {
  if (value.startsWith('@')) fromFile('-H', value);
  const colon = value.indexOf(':');
  const semi = value.indexOf(';');
  if (colon < 0 && semi === value.length - 1 && semi > 0) {
    s.headers.push({ name: value.slice(0, -1).trim(), value: '' });
    return;
  }
  if (colon <= 0) throw new CurlParseError(`-H '${value}' is not a header (Name: value)`);
  const name = value.slice(0, colon).trim();
  const rest = value.slice(colon + 1).replace(/^[ \t]+/, '');
  s.headers.push({ name, value: rest.trim() === '' ? null : rest });
}

const HTTP_VERSION_NOTE = 'the HTTP version option is not applied: requests are sent over HTTP/1.1';

const OPTIONS: Record<string, OptionSpec> = {
  '--url': { arg: true, run: (s, v) => s.urls.push(v) },
  '--request': { arg: true, run: (s, v) => (s.method = v) },
  '--header': { arg: true, run: header },
  '--data': { arg: true, run: data('--data') },
  '--data-ascii': { arg: true, run: data('--data-ascii') },
  '--data-binary': { arg: true, run: data('--data-binary') },
  '--data-raw': { arg: true, run: data('--data-raw', true) },
  '--data-urlencode': { arg: true, run: urlencodeData },
  '--json': {
    arg: true,
    run: (s, v) => {
      if (v.startsWith('@')) fromFile('--json', v);
      s.json.push(v);
    },
  },
  '--user': { arg: true, run: (s, v) => (s.user = v) },
  '--oauth2-bearer': { arg: true, run: (s, v) => (s.bearer = v) },
  '--user-agent': { arg: true, run: (s, v) => (s.agent = v) },
  '--referer': { arg: true, run: (s, v) => (s.referer = v.replace(/;auto$/, '')) },
  '--cookie': {
    arg: true,
    run: (s, v) => {
      if (!v.includes('=')) throw new CurlParseError(`-b ${v} names a cookie file, which a pasted command cannot bring along; write the cookies (-b 'name=value')`);
      s.cookies.push(v);
    },
  },
  '--range': { arg: true, run: (s, v) => (s.range = v) },
  '--get': { arg: false, run: (s) => (s.get = true) },
  '--head': { arg: false, run: (s) => (s.head = true) },
  '--compressed': { arg: false, run: (s) => (s.compressed = true) },
  '--insecure': { arg: false, run: note('-k (--insecure) is not applied: upstream certificates are checked as the proxy is set up (--insecure-upstream)') },
  '--location': { arg: false, run: note('-L (--location) is not applied: redirects are not followed, the first response is recorded') },
  '--location-trusted': { arg: false, run: note('--location-trusted is not applied: redirects are not followed, the first response is recorded') },
  '--proxy': { arg: true, run: note('-x (--proxy) is not applied: the request goes through Hindsight') },
  '--proxy-user': { arg: true, run: note('-U (--proxy-user) is not applied: the request goes through Hindsight') },
  '--resolve': { arg: true, run: note('--resolve is not applied: host names are resolved by the proxy') },
  '--connect-to': { arg: true, run: note('--connect-to is not applied: use a map-remote rule to send a host elsewhere') },
  '--cacert': { arg: true, run: note('--cacert is not applied: upstream certificates are checked as the proxy is set up') },
  '--capath': { arg: true, run: note('--capath is not applied: upstream certificates are checked as the proxy is set up') },
  '--cert': { arg: true, run: note('--cert is not applied: client certificates are not sent') },
  '--key': { arg: true, run: note('--key is not applied: client certificates are not sent') },
  '--http1.0': { arg: false, run: note(HTTP_VERSION_NOTE) },
  '--http1.1': { arg: false, run: ignore },
  '--http2': { arg: false, run: note(HTTP_VERSION_NOTE) },
  '--http2-prior-knowledge': { arg: false, run: note(HTTP_VERSION_NOTE) },
  '--http3': { arg: false, run: note(HTTP_VERSION_NOTE) },
  '--http3-only': { arg: false, run: note(HTTP_VERSION_NOTE) },
  '--form': { arg: true, run: refuse('multipart forms (-F, --form) are not supported; send the body with --data-binary and its Content-Type header') },
  '--form-string': { arg: true, run: refuse('multipart forms (--form-string) are not supported; send the body with --data-binary and its Content-Type header') },
  '--upload-file': { arg: true, run: refuse('-T (--upload-file) reads a file, which a pasted command cannot bring along; paste the content with --data-raw') },
  '--config': { arg: true, run: refuse('-K (--config) reads options from a file, which a pasted command cannot bring along') },
  '--next': { arg: false, run: refuse('only one request per command: --next starts a second one') },
  // What curl prints, saves or waits for: no effect on the request.
  ...Object.fromEntries(
    ['--silent', '--show-error', '--verbose', '--include', '--fail', '--fail-with-body', '--progress-bar', '--no-buffer', '--globoff', '--path-as-is', '--no-keepalive', '--tcp-nodelay', '--disable', '--raw', '--ipv4', '--ipv6', '--no-progress-meter', '--remote-name', '--remote-header-name', '--no-sessionid', '--no-alpn', '--no-npn', '--tr-encoding', '--styled-output', '--no-styled-output'].map((name) => [name, { arg: false, run: ignore }]),
  ),
  ...Object.fromEntries(
    ['--output', '--write-out', '--max-time', '--connect-timeout', '--retry', '--retry-delay', '--retry-max-time', '--max-redirs', '--cookie-jar', '--dump-header', '--limit-rate', '--trace', '--trace-ascii', '--stderr', '--keepalive-time', '--expect100-timeout', '--max-filesize', '--output-dir', '--create-dirs'].map((name) => [name, { arg: true, run: ignore }]),
  ),
};

const SHORT: Record<string, string> = {
  X: '--request',
  H: '--header',
  d: '--data',
  u: '--user',
  A: '--user-agent',
  e: '--referer',
  b: '--cookie',
  r: '--range',
  G: '--get',
  I: '--head',
  k: '--insecure',
  L: '--location',
  x: '--proxy',
  U: '--proxy-user',
  E: '--cert',
  F: '--form',
  T: '--upload-file',
  K: '--config',
  ':': '--next',
  '0': '--http1.0',
  s: '--silent',
  S: '--show-error',
  v: '--verbose',
  i: '--include',
  f: '--fail',
  '#': '--progress-bar',
  N: '--no-buffer',
  g: '--globoff',
  q: '--disable',
  '4': '--ipv4',
  '6': '--ipv6',
  O: '--remote-name',
  J: '--remote-header-name',
  o: '--output',
  w: '--write-out',
  m: '--max-time',
  c: '--cookie-jar',
  D: '--dump-header',
};

function readOptions(words: string[]): CurlState {
  const s: CurlState = { urls: [], headers: [], data: [], json: [], get: false, head: false, cookies: [], compressed: false, notes: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const takeArg = (option: string): string => {
      if (i + 1 >= words.length) throw new CurlParseError(`${option} needs a value`);
      return words[++i];
    };
    if (w.startsWith('--')) {
      const spec = OPTIONS[w];
      if (!spec) throw new CurlParseError(`unsupported curl option ${w}`);
      if (spec.arg) spec.run(s, takeArg(w));
      else spec.run(s);
    } else if (w.startsWith('-') && w.length > 1) {
      // Short options cluster (-sSL); one that takes a value takes the rest of the word or the next word.
      for (let k = 1; k < w.length; k++) {
        const long = SHORT[w[k]];
        const spec = long ? OPTIONS[long] : undefined;
        if (!spec) throw new CurlParseError(`unsupported curl option -${w[k]}${w.length > 2 ? ` (in ${w})` : ''}`);
        if (!spec.arg) {
          spec.run(s);
          continue;
        }
        spec.run(s, k + 1 < w.length ? w.slice(k + 1) : takeArg(`-${w[k]}`));
        break;
      }
    } else {
      s.urls.push(w);
    }
  }
  return s;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function has(s: CurlState, name: string): boolean {
  const lower = name.toLowerCase();
  return s.headers.some((h) => h.name.toLowerCase() === lower);
}

/** Parses one curl command; throws CurlParseError with a message for the user. */
export function parseCurl(command: string): ParsedCurl {
  if (/\^\r?\n|\^"/.test(command)) throw new CurlParseError('this looks like a command for Windows cmd.exe; paste the bash version ("Copy as cURL (bash)")');
  const { words, ignored } = shellWords(command.trim());
  if (words[0] === '$') words.shift();
  if (words.length === 0) throw new CurlParseError('the command is empty');
  if (!/(^|[\\/])curl(\.exe)?$/i.test(words[0])) throw new CurlParseError(`not a curl command: it starts with '${words[0].slice(0, 40)}'`);
  const s = readOptions(words.slice(1));
  if (ignored) s.notes.push(`ignored what follows the command: ${ignored.trim().slice(0, 60)}`);
  if (s.urls.length === 0) throw new CurlParseError('the command has no URL');
  if (s.urls.length > 1) throw new CurlParseError(`the command has ${s.urls.length} URLs; paste one request at a time`);
  if (s.json.length > 0 && s.data.length > 0) throw new CurlParseError('--json and --data cannot be mixed');

  let url = s.urls[0];
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    url = `http://${url}`;
    s.notes.push('the URL has no scheme; http:// is assumed, as curl does');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)![1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new CurlParseError(`only http and https URLs can be sent (got ${scheme}:)`);
  if (/[\s\u0000-\u001f\u007f]/.test(url)) throw new CurlParseError('the URL contains spaces or control characters; percent-encode them');
  const authority = withoutUserinfo(urlAuthority(url));
  if (!authority) throw new CurlParseError('the URL has no host');

  const hasData = s.data.length > 0 || s.json.length > 0;
  let body = s.json.length > 0 ? s.json.join('') : s.data.join('&');
  if (s.get && s.data.length > 0) {
    const [beforeHash] = url.split('#');
    url = beforeHash + (beforeHash.includes('?') ? '&' : '?') + body;
    body = '';
  }
  const method = s.method ?? (s.head ? 'HEAD' : hasData && !s.get ? 'POST' : 'GET');
  if (!TOKEN.test(method)) throw new CurlParseError(`'${method}' is not an HTTP method`);

  const headers: Headers = [];
  const implied = (name: string, value: string | undefined) => {
    if (value !== undefined && !has(s, name)) headers.push([name, value]);
  };
  const host = s.headers.filter((h) => h.name.toLowerCase() === 'host');
  // curl puts a -H Host where its own Host goes: first.
  if (host.length === 0) headers.push(['Host', authority]);
  for (const h of host) if (h.value !== null) headers.push([h.name, h.value]);
  if (s.user !== undefined) {
    if (!s.user.includes(':')) throw new CurlParseError(`-u ${s.user} has no password, so curl would ask for it; write -u 'user:password'`);
    implied('Authorization', `Basic ${base64Of(utf8Bytes(s.user))}`);
  } else if (s.bearer !== undefined) implied('Authorization', `Bearer ${s.bearer}`);
  implied('User-Agent', s.agent);
  implied('Accept-Encoding', s.compressed ? 'deflate, gzip, br, zstd' : undefined);
  implied('Range', s.range === undefined ? undefined : `bytes=${s.range}`);
  implied('Referer', s.referer);
  // Several -b strings go out as curl joins them: with a bare ';'.
  implied('Cookie', s.cookies.length > 0 ? s.cookies.join(';') : undefined);
  for (const h of s.headers) {
    if (h.value === null || h.name.toLowerCase() === 'host') continue;
    if (!TOKEN.test(h.name)) throw new CurlParseError(`'${h.name}' is not a valid header name`);
    headers.push([h.name, h.value]);
  }
  if (s.json.length > 0) {
    implied('Content-Type', 'application/json');
    implied('Accept', 'application/json');
  }
  const sendsBody = hasData && !s.get;
  if (sendsBody) implied('Content-Length', String(utf8Bytes(body).length));
  if (s.data.length > 0 && !s.get) implied('Content-Type', 'application/x-www-form-urlencoded');
  for (const [name, value] of headers) {
    if (/[\r\n\0]/.test(value)) throw new CurlParseError(`the ${name} header contains a line break`);
  }

  const request: OutgoingRequest = { method, url, headers };
  if (sendsBody && body.length > 0) {
    if (hasEscapedBytes(body)) {
      request.body = base64Of(utf8Bytes(body));
      request.bodyEncoding = 'base64';
    } else {
      request.body = body;
      request.bodyEncoding = 'utf8';
    }
  }
  return { request, notes: s.notes };
}
