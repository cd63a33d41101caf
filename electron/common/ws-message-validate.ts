/**
 * The save-time check of the ws-message action (rule.ts WsMessageAction): direction, effect and the
 * find/replace pair (checked like a body replacement, a regex through the user-regex gate), every error
 * named by its field.
 */
import { checkFindReplace } from './rewrite-validate';
import type { WsMessageAction } from './rule';
import type { FieldError } from './rule-validate';

export type WsMessageCheck = { ok: true; action: WsMessageAction } | { ok: false; errors: FieldError[] };

const DIRECTIONS = ['to-server', 'to-client', 'both'] as const;
const EFFECTS = ['replace', 'drop', 'pause'] as const;

export function checkWsMessage(o: Record<string, unknown>, at: string): WsMessageCheck {
  const errors: FieldError[] = [];
  const direction = o.direction ?? 'both';
  if (!(DIRECTIONS as readonly unknown[]).includes(direction)) {
    errors.push({ field: `${at}.direction`, message: `must be one of "to-server", "to-client", "both", not ${JSON.stringify(direction)}` });
  }
  const effect = o.effect ?? 'replace';
  if (!(EFFECTS as readonly unknown[]).includes(effect)) errors.push({ field: `${at}.effect`, message: `must be "replace", "drop" or "pause", not ${JSON.stringify(effect)}` });
  if (effect === 'replace' && o.replace === undefined) errors.push({ field: `${at}.replace`, message: 'is required when effect is "replace" (use "" to delete the text found)' });
  const edit = checkFindReplace(o, at, errors);
  if (!edit || errors.length > 0) return { ok: false, errors };
  const action: WsMessageAction = {
    type: 'ws-message',
    direction: direction as WsMessageAction['direction'],
    find: edit.find,
    syntax: edit.syntax,
    ...(edit.flags ? { flags: edit.flags } : {}),
    effect: effect as WsMessageAction['effect'],
    ...(effect === 'replace' ? { replace: edit.replace } : {}),
  };
  return { ok: true, action };
}
