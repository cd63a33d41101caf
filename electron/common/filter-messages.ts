/**
 * `msg:` — text inside a flow's messages (WebSocket frames, SSE events). Unlike every other term it cannot be
 * decided from a FlowSummary: the messages live in the flow's message log, on disk or in the database. So a
 * `msg:` term's predicate asks a MessageOracle, which the store answers after reading the log
 * (electron/core/store/message-filter.ts); without one (the renderer's live rows, a summary-only filter) a
 * `msg:` term matches nothing. A flow without messages never matches `msg:`, oracle or not.
 *
 * The store first narrows with `mayMatch` (the filter with every positive `msg:` term taken as true for flows
 * that carry messages, every negated one as false: a superset of the matches), and reads logs only for flows
 * that pass it and carry messages.
 */
import { FilterError } from './filter-error';
import type { TermToken } from './filter-lex';
import type { FlowSummary } from './flow';
import { compileUserRegex } from './user-regex';

/** Whether message term `term` (its index in the filter's messageTerms) matches some message of the flow. */
export type MessageOracle = (term: number, s: FlowSummary) => boolean;

/** One `msg:` term of a filter. */
export interface MessageTerm {
  /** Inside an odd number of `-`: its flows are those where it does not match. */
  negated: boolean;
  /** Whether one message's text (payload as UTF-8, SSE event type, close reason) matches. */
  test(text: string): boolean;
  /** The term as written, for messages to the user. */
  source: string;
}

export function hasMessages(s: FlowSummary): boolean {
  return (s.messageCount ?? 0) > 0;
}

/** The text matcher of a `msg:` term: a case-insensitive substring, or a linear-time regex (user-regex.ts). */
export function messageMatcher(text: string, t: TermToken): (message: string) => boolean {
  if (t.regex) {
    const compiled = compileUserRegex(t.regex.source, t.regex.flags);
    if (!compiled.ok) {
      const start = t.valueStart < t.end ? t.valueStart : t.start;
      throw new FilterError(`bad regular expression: ${compiled.error}`, start, t.end, text.slice(start, t.end));
    }
    const re = compiled.regex;
    return (message) => re.test(message);
  }
  const needle = t.value.toLowerCase();
  return (message) => message.toLowerCase().includes(needle);
}
