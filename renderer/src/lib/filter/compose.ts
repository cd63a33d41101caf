/**
 * The quick fields (client IP, URL) compose with the typed expression into the one expression sent to
 * flows.query, so the list, the API and the CLI see the same language:
 *   typed `status:5xx or is:error`, IP `127.0.0.2`, URL `/api` → `(status:5xx or is:error) ip:127.0.0.2 "/api"`
 * Each part is checked on its own first, so an error's offsets point into the field the user typed in.
 */
import { compileFilter, FilterError, parseFilter } from '../../../../electron/common/filter';

export interface FilterParts {
  expression: string;
  ip: string;
  url: string;
}

export type PartName = keyof FilterParts;

export interface FilterCheck {
  /** The composed expression, when every part is valid. */
  composed?: string;
  /** The first bad part, with the FilterError's offsets inside that part's own text. */
  problem?: { part: PartName; error: FilterError };
}

/** A quoted filter value: backslash and quote escaped, as filter-lex reads them. */
export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function ipTerm(ip: string): string {
  return `ip:${ip.trim()}`;
}

/** The URL field matches a substring of the URL, like a bare word; quoting keeps `:` and `/` literal. */
function urlTerm(url: string): string {
  return quoteValue(url.trim());
}

/** Parentheses only when the typed expression has a top-level `or` that the quick terms must not split. */
function wrap(expression: string): string {
  const node = parseFilter(expression);
  return node.type === 'or' ? `(${expression.trim()})` : expression.trim();
}

function check(part: PartName, text: string): FilterCheck['problem'] {
  try {
    compileFilter(text);
    return undefined;
  } catch (err) {
    if (err instanceof FilterError) return { part, error: err };
    throw err;
  }
}

export function composeFilter(parts: FilterParts): FilterCheck {
  const pieces: string[] = [];
  if (parts.expression.trim()) {
    const problem = check('expression', parts.expression);
    if (problem) return { problem };
    pieces.push(wrap(parts.expression));
  }
  if (parts.ip.trim()) {
    const term = ipTerm(parts.ip);
    const problem = check('ip', term);
    // Offsets shift by the `ip:` prefix so they land in the IP field's own text.
    if (problem) return { problem: { part: 'ip', error: shifted(problem.error, leadingSpace(parts.ip) - 3, parts.ip) } };
    pieces.push(term);
  }
  if (parts.url.trim()) pieces.push(urlTerm(parts.url));
  return { composed: pieces.join(' ') };
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

function shifted(err: FilterError, by: number, text: string): FilterError {
  const start = Math.max(0, Math.min(text.length, err.start + by));
  const end = Math.max(start, Math.min(text.length, err.end + by));
  return new FilterError(err.reason, start, end, text.slice(start, end));
}
