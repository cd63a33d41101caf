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
import type { FlowSummary } from './flow';
import { lex, type FilterOp, type MarkToken, type TermToken, type Token } from './filter-lex';
import { compileTerm, type Predicate } from './filter-terms';
import { hasMessages, messageMatcher, type MessageOracle, type MessageTerm } from './filter-messages';

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

/** A whole expression, parsed: the tree, the predicate, and its `msg:` terms in order (filter-messages.ts). */
export interface CompiledFilter extends ParsedFilter {
  messageTerms: readonly MessageTerm[];
  /** A superset of the matches without reading any message log: the store reads logs only for these. */
  mayMatch(s: FlowSummary): boolean;
}

const matchAll: Predicate = () => true;

function span(node: FilterNode): { start: number; end: number } {
  return node.type === 'all' ? { start: 0, end: 0 } : { start: node.start, end: node.end };
}

function allOf(tests: Predicate[]): Predicate {
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (s, m) => a(s, m) && b(s, m);
  }
  return (s, m) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i](s, m)) return false;
    return true;
  };
}

function anyOf(tests: Predicate[]): Predicate {
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (s, m) => a(s, m) || b(s, m);
  }
  return (s, m) => {
    for (let i = 0; i < tests.length; i++) if (tests[i](s, m)) return true;
    return false;
  };
}

export function parse(text: string): CompiledFilter {
  const tokens = lex(text);
  let pos = 0;
  /** `-` operators around the term being parsed: an odd count makes a `msg:` term negated. */
  let negations = 0;
  const messageTerms: MessageTerm[] = [];
  const messageTerm = (t: TermToken): Predicate => {
    const index = messageTerms.length;
    messageTerms.push({ negated: negations % 2 === 1, test: messageMatcher(text, t), source: text.slice(t.start, t.end) });
    return (s, m) => m !== undefined && hasMessages(s) && m(index, s);
  };
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
      negations++;
      const inner = parseUnary();
      negations--;
      const test = inner.test;
      return { node: { type: 'not', child: inner.node, start: t.start, end: span(inner.node).end }, test: (s, m) => !test(s, m) };
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
      return { node, test: compileTerm(text, t, messageTerm) };
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

  if (tokens.length === 0) return { node: { type: 'all' }, test: matchAll, messageTerms, mayMatch: matchAll };
  const result = parseOr();
  const rest = peek();
  if (rest) bad(rest as MarkToken, rest.kind === 'rparen' ? 'unmatched ")": no "(" opens it' : `unexpected "${text.slice(rest.start, rest.end)}"`);
  const { test } = result;
  if (messageTerms.length === 0) return { ...result, messageTerms, mayMatch: test };
  // Positive msg: terms may match (for flows with messages), negated ones may not: monotone, so a superset.
  const optimistic: MessageOracle = (term) => !messageTerms[term].negated;
  return { ...result, messageTerms, mayMatch: (s) => test(s, optimistic) };
}
