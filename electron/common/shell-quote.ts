/**
 * Quoting one argument for the shells a copied curl command is pasted into. Each function returns a word
 * that the shell turns back into exactly `arg`. Written by hand because @readme/httpsnippet's quoting is
 * internal to its targets and has no Windows cmd.exe support at all.
 */

export type Shell = 'bash' | 'cmd' | 'powershell';

/** POSIX sh/bash/zsh: single quotes keep everything literal; a single quote closes, is escaped, reopens. */
export function quoteBash(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * PowerShell: single-quoted strings are literal except the quote itself, which is doubled. PowerShell also
 * treats the typographic quotes ‘ ’ ‚ ‛ as single quotes, so those are doubled too.
 * Arguments reach curl.exe intact on PowerShell 7.3+ (native argument passing 'Standard'/'Windows');
 * Windows PowerShell 5.1 drops embedded double quotes from native arguments, which no quoting can fix.
 */
export function quotePowerShell(arg: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_./:-]*$/.test(arg)) return arg;
  return `'${arg.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;
}

/**
 * cmd.exe, typed or pasted at the prompt. Two parsers see the text: cmd.exe (expands %VAR%, then
 * removes ^ escapes and tracks "…" regions) and then curl.exe's C runtime, which splits the command line
 * into arguments (backslashes matter only before a double quote).
 * 1. Quote for the C runtime: backslashes before a quote or the end are doubled, quotes become \".
 * 2. Escape every cmd metacharacter with ^, quotes included, so cmd never enters a quoted region and
 *    removes every caret (https://qntm.org/cmd).
 * 3. cmd expands %NAME% before removing carets, so a caret also goes right after each %: the name then
 *    starts with ^, which no variable has, and the text is left alone (at the prompt; batch files differ).
 * A line break cannot be carried through cmd.exe reliably, so such arguments are refused.
 */
export function quoteCmd(arg: string): string {
  if (/[\r\n\0]/.test(arg)) throw new Error('cmd.exe cannot carry line breaks or NUL in an argument');
  if (/^[A-Za-z0-9_./:@+-]+$/.test(arg)) return arg;
  const crt = `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
  return crt.replace(/[()%!^"<>&|]/g, '^$&').replace(/\^%(?!\^)/g, '^%^');
}

export const quoteFor: Record<Shell, (arg: string) => string> = {
  bash: quoteBash,
  cmd: quoteCmd,
  powershell: quotePowerShell,
};

/** Continuation at the end of a line, so one command spans several lines. */
export const lineContinuation: Record<Shell, string> = { bash: ' \\', cmd: ' ^', powershell: ' `' };

/** A comment line the shell ignores. */
export const commentLine: Record<Shell, (text: string) => string> = {
  bash: (t) => `# ${t}`,
  powershell: (t) => `# ${t}`,
  // REM ignores the rest of its line; keep metacharacters out anyway.
  cmd: (t) => `REM ${t.replace(/[%^&|<>"!()]/g, '')}`,
};
