/**
 * The filter language: one grammar for the UI's filter box, the API (`flows.query`) and the CLI
 * (`--filter`). Pure: parsed and evaluated against FlowSummary without Node or DOM. docs/FILTERS.md is
 * the user's guide; filter-keys.ts holds the vocabulary it is generated from.
 *
 * Example: `host:*.example.com status:5xx or is:error -method:OPTIONS`
 */
import type { FlowSummary } from './flow';
import { parse, type CompiledFilter, type FilterNode } from './filter-parse';

export { FilterError, formatFilterError } from './filter-error';
export { FILTER_KEYS, FILTER_OPERATORS, IS_VALUES, filterHelpMarkdown } from './filter-keys';
export type { FilterKeyInfo, FilterKeyName, FilterOption, FilterOperatorInfo, IsValue } from './filter-keys';
export type { FilterOp } from './filter-lex';
export type { CompiledFilter, FilterNode, FilterTermNode } from './filter-parse';
export { hasMessages, type MessageOracle, type MessageTerm } from './filter-messages';
export { suggestFilter, type FilterSuggestion } from './filter-suggest';

/** One argument only, so it can go straight to Array.filter; `msg:` terms match nothing here (CompiledFilter.test takes their answers). */
export type FlowPredicate = (s: FlowSummary) => boolean;

/** Parses an expression into its plain-data tree; throws FilterError pointing at the bad token. */
export function parseFilter(text: string): FilterNode {
  return parse(text).node;
}

// The list re-filters with the same few expressions as the user types and pages: keep the last ones.
const CACHE_SIZE = 16;
const cache = new Map<string, { compiled: CompiledFilter; predicate: FlowPredicate }>();

function cached(text: string): { compiled: CompiledFilter; predicate: FlowPredicate } {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const compiled = parse(text);
  const test = compiled.test;
  // Array.filter passes an index second: the predicate handed out takes the summary alone.
  const entry = { compiled, predicate: (s: FlowSummary) => test(s) };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(text, entry);
  return entry;
}

/** A predicate for the expression (empty = match all), cached; throws FilterError when it is bad. */
export function compileFilter(text: string): FlowPredicate {
  return cached(text).predicate;
}

/** The expression compiled with its `msg:` terms (filter-messages.ts), cached; throws FilterError when it is bad. */
export function compileFilterQuery(text: string): CompiledFilter {
  return cached(text).compiled;
}
