/**
 * The filter language (electron/common/filter*.ts) as SQL over the flows table (schema.ts), so queries run
 * in the database. Each node of the parsed tree becomes a condition that is either exact (the rows it
 * selects are exactly the flows the predicate matches) or a prefilter (a superset: every matching flow passes,
 * the JS predicate decides the rest), or nothing at all (a regex: no narrowing). The store runs an exact
 * condition alone, with counts and LIMIT in the database, and finishes a prefilter with the compiled
 * predicate over a bounded scan (pg-query.ts).
 */
import { parseIpRange } from '../../../common/cidr';
import type { FilterNode, FilterTermNode } from '../../../common/filter';
import { termBounds, type Bounds } from '../../../common/filter-terms';
import { wildcardToRegex, type RegexDialect } from '../../../common/wildcard';

export interface SqlFilter {
  /** A boolean SQL expression over `flows`, with $n placeholders numbered from the first param given. */
  where: string;
  params: unknown[];
  /** True when `where` selects exactly the matching flows; false when it is only a superset. */
  exact: boolean;
}

interface Part {
  /** undefined: no narrowing (TRUE, not exact). */
  sql?: string;
  exact: boolean;
}

const ASCII = /^[\x20-\x7e]*$/;

/** Compiles a parsed filter; `firstParam` is the number of the first placeholder it may use. */
export function filterToSql(node: FilterNode, firstParam = 1): SqlFilter {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  const part = compile(node, param);
  if (part.sql === undefined) return { where: 'TRUE', params: [], exact: false };
  // Parts dropped on the way (a prefilter under `or` or `-`) leave params no placeholder uses: PostgreSQL
  // refuses a parameter it cannot type, so the used ones are renumbered in order.
  const used: unknown[] = [];
  const renumbered = new Map<number, string>();
  const where = part.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - firstParam;
    let placeholder = renumbered.get(index);
    if (!placeholder) {
      used.push(params[index]);
      placeholder = `$${firstParam + used.length - 1}`;
      renumbered.set(index, placeholder);
    }
    return placeholder;
  });
  return { where, params: used, exact: part.exact };
}

function compile(node: FilterNode, param: (v: unknown) => string): Part {
  switch (node.type) {
    case 'all':
      return { sql: 'TRUE', exact: true };
    case 'and': {
      const parts = node.children.map((c) => compile(c, param));
      const sqls = parts.filter((p) => p.sql !== undefined).map((p) => `(${p.sql})`);
      return { sql: sqls.length ? sqls.join(' AND ') : undefined, exact: parts.every((p) => p.exact) };
    }
    case 'or': {
      const parts = node.children.map((c) => compile(c, param));
      if (parts.some((p) => p.sql === undefined)) return { exact: false };
      return { sql: parts.map((p) => `(${p.sql})`).join(' OR '), exact: parts.every((p) => p.exact) };
    }
    case 'not': {
      // Only an exact condition can be negated: NOT of a superset is not a superset of the negation.
      const child = compile(node.child, param);
      // coalesce: a flow without the column (no status yet) fails the term, so it passes its negation.
      return child.exact && child.sql !== undefined ? { sql: `NOT coalesce((${child.sql}), false)`, exact: true } : { exact: false };
    }
    case 'term':
      return termSql(node, param);
  }
}

/** Text matched literally by LIKE. */
function likeLiteral(text: string): string {
  return text.replace(/[%_\\]/g, '\\$&');
}

/** LIKE pattern for a wildcard (`*` any run, `?` one character), LIKE's own characters escaped. */
function likePattern(wildcard: string): string {
  let out = '';
  for (const ch of wildcard) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * The path as flows_path_folded indexes it (schema.ts migration 8, the same expression text): ASCII letters
 * lowered (lower() under the C collation touches nothing else), the two FOLDS characters replaced by their
 * letter, the first 512 characters.
 */
const FOLDED_PATH = `left(translate(lower(path COLLATE "C"), '\u212a\u017f', 'ks'), 512)`;
/** Prefix characters looked up in the folded index, under its 512 (a longer prefix is checked by the regex). */
const MAX_INDEXED_PREFIX = 500;

/** A wildcard's characters before its first `*` or `?`, lowered as FOLDED_PATH lowers the path. */
function literalPrefix(wildcard: string): string {
  const end = wildcard.search(/[*?]/);
  return (end < 0 ? wildcard : wildcard.slice(0, end)).slice(0, MAX_INDEXED_PREFIX).toLowerCase();
}

/** Non-ASCII characters Unicode's simple case folding puts beside an ASCII letter: KELVIN SIGN, LONG S. */
const FOLDS: Record<string, string> = { k: '\u212a', s: '\u017f' };

/** PostgreSQL's ARE syntax for wildcardRegex: RE2's `.`, and its case-insensitive match spelled out. */
const PG_REGEX: RegexDialect = { any: '[^\\n]', literal: pgLiteral };

function pgLiteral(ch: string): string {
  if (/[a-z]/i.test(ch)) return `[${ch.toLowerCase()}${ch.toUpperCase()}${FOLDS[ch.toLowerCase()] ?? ''}]`;
  if (/[0-9]/.test(ch)) return ch;
  // In an ARE, a backslash before a character that is not alphanumeric makes it literal.
  return `\\${ch}`;
}

/**
 * A wildcard (ASCII) as a PostgreSQL regular expression matching exactly what the filter's own predicate
 * matches (compileWildcard, user-regex.ts: RE2, case-insensitive, the whole text): each letter a class of
 * its case forms, with the non-ASCII characters RE2 folds onto it; `*` any run and `?` any one character
 * but a newline (RE2's `.`); anything else literal. So the term is exact and the page and count come from
 * the database, where a superset (ILIKE) made every query scan 50,000 rows through the predicate (about 1 s
 * at 200,000 flows). Not ILIKE or `~*`: those fold case by the database's locale, which differs from
 * RE2's Unicode folding on exactly such characters (and LIKE's `_` takes a newline).
 */
export function wildcardRegex(wildcard: string): string {
  return wildcardToRegex(wildcard, PG_REGEX);
}

function boundsSql(column: string, b: Bounds, param: (v: unknown) => string): string {
  const parts = [`${column} IS NOT NULL`];
  if (b.lo !== -Infinity) parts.push(`${column} ${b.loOpen ? '>' : '>='} ${param(b.lo)}`);
  if (b.hi !== Infinity) parts.push(`${column} ${b.hiOpen ? '<' : '<='} ${param(b.hi)}`);
  return parts.join(' AND ');
}

const IS_SQL: Record<string, string> = {
  error: `(state = 'failed' OR summary ? 'error')`,
  live: `state = 'live'`,
  paused: `state = 'intercepted'`,
  replay: `summary ? 'replayOf'`,
  imported: `coalesce((summary->>'imported')::boolean, false)`,
  mocked: `summary->'appliedRuleKinds' ? 'mock'`,
  mapped: `(summary->'appliedRuleKinds' ? 'map-remote' OR summary->'appliedRuleKinds' ? 'map-local')`,
  ws: `coalesce((summary->>'websocket')::boolean, false)`,
  pinned: 'pinned',
  sse: `summary->>'contentType' = 'text/event-stream'`,
};

function termSql(t: FilterTermNode, param: (v: unknown) => string): Part {
  switch (t.key) {
    case 'text':
      return { sql: `url ILIKE ${param(`%${likeLiteral(t.value)}%`)}`, exact: ASCII.test(t.value) };
    case 'pinned':
      return { sql: 'pinned', exact: true };
    case 'ip': {
      const parsed = parseIpRange(t.value);
      if (!parsed.ok || parsed.range.family !== 4) return { exact: false };
      const w = parsed.range.words[3];
      const cidr = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${parsed.range.prefix}`;
      return { sql: `ip <<= ${param(cidr)}::inet`, exact: true };
    }
    case 'host': {
      const lower = t.value.toLowerCase().replace(/^\[(.*)\]$/, '$1');
      if (!/[*?]/.test(lower)) return { sql: `host = ${param(lower)}`, exact: true };
      return ASCII.test(lower) ? { sql: `host ILIKE ${param(likePattern(lower))}`, exact: false } : { exact: false };
    }
    case 'url':
    case 'path': {
      if (t.regex || !ASCII.test(t.value)) return { exact: false };
      const exact = `${t.key} ~ ${param(wildcardRegex(t.value))}`;
      // The pattern's literal start, looked up in flows_path_folded (schema.ts migration 8): a superset of the
      // matches (LIKE on the folded path), so the regex alone decides, and a rare prefix reads few rows.
      const prefix = t.key === 'path' ? literalPrefix(t.value) : '';
      return { sql: prefix ? `${FOLDED_PATH} LIKE ${param(`${likeLiteral(prefix)}%`)} AND ${exact}` : exact, exact: true };
    }
    case 'method':
      return { sql: `method = ${param(t.value.toUpperCase())}`, exact: true };
    case 'status':
      return { sql: boundsSql('status', termBounds(t)!, param), exact: true };
    case 'size':
      return { sql: boundsSql(`(summary->>'responseSize')::float8`, termBounds(t)!, param), exact: true };
    case 'reqsize':
      return { sql: boundsSql(`(summary->>'requestSize')::float8`, termBounds(t)!, param), exact: true };
    case 'duration':
      return { sql: boundsSql(`(summary->>'durationMs')::float8`, termBounds(t)!, param), exact: true };
    case 'type':
      return { sql: `strpos(summary->>'contentType', ${param(t.value.toLowerCase())}) > 0`, exact: true };
    case 'id':
      return { sql: `id = ${param(t.value)}`, exact: true };
    case 'node':
      // flows_node index (schema.ts). A flow stored without a node has '' there, which no node: value names.
      return { sql: `node = ${param(t.value)}`, exact: true };
    case 'is': {
      const sql = IS_SQL[t.value.toLowerCase()];
      return sql ? { sql, exact: true } : { exact: false };
    }
    case 'msg':
      // Some message contains the ASCII text: every flow whose UTF-8 text has it passes (bytes >= 0x80 become
      // \ooo escapes, ASCII stays as it is), a few more may (a needle of digits inside an escape): a
      // prefilter, and reading the passing flows' logs decides (message-filter.ts).
      if (t.regex || !ASCII.test(t.value) || t.value.includes('\\')) return { exact: false };
      return {
        sql: `EXISTS (SELECT 1 FROM messages m WHERE m.flow_id = flows.id AND strpos(lower(concat_ws(E'\\n', encode(m.payload, 'escape'), m.meta->>'eventType', m.meta->>'closeReason')), ${param(t.value.toLowerCase())}) > 0)`,
        exact: false,
      };
    default:
      // Terms without a column of their own (grpc:, error:, …): the scan finishes them with the filter code.
      return { exact: false };
  }
}
