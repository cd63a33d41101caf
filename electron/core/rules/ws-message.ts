/**
 * Runs ws-message rules (rule.ts WsMessageAction) on whole WebSocket text messages: the relay
 * (capture/websocket/relay.ts) holds a message of a socket that has such rules until its last frame, asks
 * the gate, and forwards the message as it was, rewritten, or not at all. Rules apply in priority order; a
 * drop ends the run. Patterns are compiled once per socket through the user-regex gate.
 */
import type { MessageDirection } from '../../common/message';
import type { Rule, WsMessageAction } from '../../common/rule';
import { compileUserRegex } from '../../common/user-regex';
import { replaceAll } from './rewrite';

export interface AppliedMessageRule {
  id: string;
  kind: 'ws-rewrite' | 'ws-drop';
  name: string;
}

/** What the rules did to one message: nothing (undefined), a new text, or a drop. */
export type MessageVerdict = { text: string; applied: AppliedMessageRule[] } | { dropped: true; applied: AppliedMessageRule[] };

/** Decides what happens to one text message going in `dir`. */
export type MessageGate = (dir: MessageDirection, text: string) => MessageVerdict | undefined;

interface Compiled {
  rule: Rule;
  action: WsMessageAction;
  matches: (text: string) => boolean;
}

/**
 * The gate for a socket whose handshake matched `rules` (ws-message rules in priority order); undefined when
 * there are none. `hit` counts an application (false when the rule's `times` ran out: it then does not apply).
 */
export function messageGate(rules: readonly Rule[], hit: (rule: Rule) => boolean): MessageGate | undefined {
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
  return (dir, original) => {
    let text = original;
    const applied: AppliedMessageRule[] = [];
    for (const { rule, action, matches } of compiled) {
      if (action.direction !== 'both' && action.direction !== dir) continue;
      if (!matches(text) || !hit(rule)) continue;
      if (action.effect === 'drop') {
        applied.push({ id: rule.id, kind: 'ws-drop', name: rule.name });
        return { dropped: true, applied };
      }
      text = replaceAll(text, { find: action.find, replace: action.replace ?? '', syntax: action.syntax, ...(action.flags ? { flags: action.flags } : {}) });
      applied.push({ id: rule.id, kind: 'ws-rewrite', name: rule.name });
    }
    return applied.length ? { text, applied } : undefined;
  };
}
