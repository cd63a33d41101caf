/**
 * The filter grammar (recursive descent over filter-lex tokens), building the plain-data tree and the
 * compiled predicate in one pass, so regexes and ranges are made once:
 *
 *   expr  := and ( "or" and )*
 *   and   := unary ( ["and"] unary )*
 *   unary := "-" unary | "(" expr ")" | term
 */
import { FilterError } from './filter-error';
import type { FilterKeyName } from './filter-keys';
import { lex, type FilterOp, type MarkToken, type Token } from './filter-lex';
import { compileTerm, type Predicate } from './filter-terms';

export interface FilterTermNode {
  type: 'term';
  /** 'text' for bare words (URL substring). */
  key: FilterKeyName | 'text';
  op: FilterOp;
  value: string;
  /** Present when the value was quoted. */
  quoted?: true;
  /** Present for a `/source/flags` value. */
  regex?: { source: string; flags: string };
  start: number;
  end: number;
}

export type FilterNode =
  | { type: 'all' }
  | { type: 'and' | 'or'; children: FilterNode[]; start: number; end: number }
  | { type: 'not'; child: FilterNode; start: number; end: number }
  | FilterTermNode;

export interface ParsedFilter {
  node: FilterNode;
  test: Predicate;
}

const matchAll: Predicate = () => true;

function span(node: FilterNode): { start: number; end: number } {
  return node.type === 'all' ? { start: 0, end: 0 } : { start: node.start, end: node.end };
}

function allOf(tests: Predicate[]): Predicate {
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (s) => a(s) && b(s);
  }
  return (s) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i](s)) return false;
    return true;
  };
}

function anyOf(tests: Predicate[]): Predicate {
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (s) => a(s) || b(s);
  }
  return (s) => {
    for (let i = 0; i < tests.length; i++) if (tests[i](s)) return true;
    return false;
  };
}

export function parse(text: string): ParsedFilter {
  const tokens = lex(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  function bad(t: Token, reason: string): never {
    throw new FilterError(reason, t.start, t.end, text.slice(t.start, t.end));
  }
  /** True when the token cannot start a term: the end, `)`, `or`, `and`. */
  const endsGroup = (t: Token | undefined) => !t || t.kind === 'rparen' || t.kind === 'or' || t.kind === 'and';

  const parseOr = (): ParsedFilter => {
    const parts = [parseAnd()];
    while (peek()?.kind === 'or') {
      const or = tokens[pos++];
      if (endsGroup(peek())) bad(or, '"or" needs a term after it');
      parts.push(parseAnd());
    }
    return combine('or', parts);
  };

  const parseAnd = (): ParsedFilter => {
    const parts: ParsedFilter[] = [];
    for (let t = peek(); t && t.kind !== 'rparen' && t.kind !== 'or'; t = peek()) {
      if (t.kind === 'and') {
        pos++;
        if (parts.length === 0) bad(t, '"and" needs a term before it');
        if (endsGroup(peek())) bad(t, '"and" needs a term after it');
        continue;
      }
      parts.push(parseUnary());
    }
    if (parts.length === 0) {
      // Only reachable at the start of the expression or right after "(".
      const t = peek();
      if (!t) bad(tokens[pos - 1], 'unclosed "(": add the matching ")"');
      if (t.kind === 'or') bad(t, '"or" needs a term before it');
      bad(t, 'empty group: put a term between the parentheses');
    }
    return combine('and', parts);
  };

  const parseUnary = (): ParsedFilter => {
    const t = tokens[pos++];
    if (t.kind === 'not') {
      const next = peek();
      if (endsGroup(next) || next!.start !== t.end) bad(t, '"-" must be followed directly by a term or group, e.g. -host:cdn.test');
      const inner = parseUnary();
      const test = inner.test;
      return { node: { type: 'not', child: inner.node, start: t.start, end: span(inner.node).end }, test: (s) => !test(s) };
    }
    if (t.kind === 'lparen') {
      const inner = parseOr();
      const close = peek();
      if (close?.kind !== 'rparen') bad(t, 'unclosed "(": add the matching ")"');
      pos++;
      return inner;
    }
    if (t.kind === 'term') {
      const node: FilterTermNode = { type: 'term', key: t.key, op: t.op, value: t.value, start: t.start, end: t.end };
      if (t.quoted) node.quoted = true;
      if (t.regex) node.regex = t.regex;
      return { node, test: compileTerm(text, t) };
    }
    return bad(t, `unexpected "${text.slice(t.start, t.end)}"`);
  };

  const combine = (type: 'and' | 'or', parts: ParsedFilter[]): ParsedFilter => {
    if (parts.length === 1) return parts[0];
    // Flatten a or (b or c) into one list: the tree is for reading, the predicate for speed.
    const children = parts.flatMap((p) => (p.node.type === type ? p.node.children : [p.node]));
    const node: FilterNode = { type, children, start: span(parts[0].node).start, end: span(parts[parts.length - 1].node).end };
    const tests = parts.map((p) => p.test);
    return { node, test: type === 'and' ? allOf(tests) : anyOf(tests) };
  };

  if (tokens.length === 0) return { node: { type: 'all' }, test: matchAll };
  const result = parseOr();
  const rest = peek();
  if (rest) bad(rest as MarkToken, rest.kind === 'rparen' ? 'unmatched ")": no "(" opens it' : `unexpected "${text.slice(rest.start, rest.end)}"`);
  return result;
}
