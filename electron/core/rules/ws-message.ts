/**
 * Runs ws-message rules (rule.ts WsMessageAction) on whole WebSocket text messages: the relay
 * (capture/websocket/relay.ts) holds a message of a socket that has such rules until its last frame, asks
 * the gate, and forwards the message as it was, rewritten, or not at all. Rules apply in priority order; a
 * drop ends the run. A pause rule hands the message (as the earlier rules left it) to the breakpoint queue and
 * the run goes on with what the user decided; the verdict is then a promise, and the relay keeps the message's
 * place meanwhile. Patterns are compiled once per socket through the user-regex gate.
 */
import type { PauseOutcome } from './breakpoints';
import type { MessageDirection } from '../../common/message';
import type { Rule, WsMessageAction } from '../../common/rule';
import { compileUserRegex } from '../../common/user-regex';
import { replaceAll } from './rewrite';

export interface AppliedMessageRule {
  id: string;
  kind: 'ws-rewrite' | 'ws-drop' | 'ws-breakpoint-edit' | 'ws-breakpoint-drop';
  name: string;
}

/** What the rules did to one message: nothing (undefined), a new text, or a drop. */
export type MessageVerdict = { text: string; applied: AppliedMessageRule[] } | { dropped: true; applied: AppliedMessageRule[] };

/**
 * Decides what happens to one text message going in `dir`: at once, or (a pause) later. `signal` aborts when
 * the socket closes, which releases a pause.
 */
export type MessageGate = (dir: MessageDirection, text: string, signal: AbortSignal) => MessageVerdict | undefined | Promise<MessageVerdict | undefined>;

/** Pauses one message in the breakpoint queue (the pipeline's pauseMessage, bound to the socket's flow). */
export type PauseMessage = (rule: Rule, dir: MessageDirection, text: string, signal: AbortSignal) => Promise<PauseOutcome>;

interface Compiled {
  rule: Rule;
  action: WsMessageAction;
  matches: (text: string) => boolean;
}

/**
 * The gate for a socket whose handshake matched `rules` (ws-message rules in priority order); undefined when
 * there are none. `hit` counts an application (false when the rule's `times` ran out: it then does not apply).
 */
export function messageGate(rules: readonly Rule[], hit: (rule: Rule) => boolean, pause?: PauseMessage): MessageGate | undefined {
  const compiled: Compiled[] = [];
  for (const rule of rules) {
    if (rule.action.type !== 'ws-message') continue;
    const action = rule.action;
    if (action.syntax === 'text') {
      compiled.push({ rule, action, matches: (text) => text.includes(action.find) });
      continue;
    }
    const regex = compileUserRegex(action.find, action.flags ?? '');
    // Rules are validated on save; one that fails here (a stricter gate since) is skipped, never run.
    if (regex.ok) compiled.push({ rule, action, matches: (text) => regex.regex.test(text) });
  }
  if (compiled.length === 0) return undefined;
  const usable = pause ? compiled : compiled.filter((c) => c.action.effect !== 'pause');
  /** Runs the rules from `from` on; returns a promise from the first pause on. */
  const run = (dir: MessageDirection, text: string, changed: boolean, applied: AppliedMessageRule[], from: number, signal: AbortSignal): MessageVerdict | undefined | Promise<MessageVerdict | undefined> => {
    for (let i = from; i < usable.length; i++) {
      const { rule, action, matches } = usable[i];
      if (action.direction !== 'both' && action.direction !== dir) continue;
      if (!matches(text) || !hit(rule)) continue;
      if (action.effect === 'drop') {
        applied.push({ id: rule.id, kind: 'ws-drop', name: rule.name });
        return { dropped: true, applied };
      }
      if (action.effect === 'pause') {
        if (signal.aborted) continue;
        return pause!(rule, dir, text, signal).then((outcome) => {
          const edits = outcome.type === 'resume' ? (outcome.edits as { text?: string; drop?: boolean } | undefined) : undefined;
          if (outcome.type === 'abort' || edits?.drop) {
            applied.push({ id: rule.id, kind: 'ws-breakpoint-drop', name: rule.name });
            return { dropped: true as const, applied };
          }
          if (edits?.text !== undefined && edits.text !== text) {
            applied.push({ id: rule.id, kind: 'ws-breakpoint-edit', name: rule.name });
            return run(dir, edits.text, true, applied, i + 1, signal);
          }
          return run(dir, text, changed, applied, i + 1, signal);
        });
      }
      text = replaceAll(text, { find: action.find, replace: action.replace ?? '', syntax: action.syntax, ...(action.flags ? { flags: action.flags } : {}) });
      applied.push({ id: rule.id, kind: 'ws-rewrite', name: rule.name });
      changed = true;
    }
    return changed ? { text, applied } : undefined;
  };
  return (dir, original, signal) => run(dir, original, false, [], 0, signal);
}
