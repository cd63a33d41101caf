/**
 * Which tool is open over the flow list (the rules panel, the composer, a diff) and what it starts from,
 * plus short notices ("Imported 12 flows", "Copied"). Tools are dialogs; a paused flow's editor is not one
 * (it takes the detail pane's place, see App.svelte), so breakpoints never block the window.
 */
import type { RuleDraft } from '../../../../electron/common/rule-state';
import type { OutgoingRequest } from '../../../../electron/common/replay';
import type { SessionReport } from '../../../../electron/common/session-report';

export type ComposerStart =
  | { from: 'scratch' }
  | { from: 'flow'; id: string }
  | { from: 'curl' }
  | { from: 'request'; request: OutgoingRequest; basedOn?: string };

/** A new rule to fill in; `fromUrl`: made from a flow with this URL (the editor offers its URL scopes). */
export interface RuleEdit {
  draft: RuleDraft;
  note?: string;
  fromUrl?: string;
}

export type ToolView =
  /** `edit`: a new rule to fill in; `ruleId`: a stored rule to open. */
  | { type: 'rules'; tab: 'rules' | 'profiles'; edit?: RuleEdit; ruleId?: string }
  | { type: 'composer'; start: ComposerStart }
  /** `back`: the tool to return to when the diff closes (a replay comparison). */
  | { type: 'diff'; a: string; b: string; back?: ToolView }
  /** "Replay against…" for the listed flows or those matching `filter`; with `report`, its comparison. */
  | { type: 'session-replay'; ids?: string[]; filter?: string; report?: SessionReport }
  | { type: 'profile-link'; link: string };

export interface FlowMenu {
  x: number;
  y: number;
}

export interface Notice {
  id: number;
  text: string;
  tone: 'info' | 'error';
  /** One follow-up the notice offers ("Replay anyway"). */
  action?: { label: string; run: () => void };
}

const NOTICE_MS = { info: 3500, error: 9000 };

export class Workbench {
  view = $state.raw<ToolView | null>(null);
  /** The flow context menu's position, while it is open (it acts on the selection). */
  menu = $state.raw<FlowMenu | null>(null);
  notices = $state.raw<Notice[]>([]);
  #nextNotice = 1;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  open(view: ToolView): void {
    this.menu = null;
    this.view = view;
  }

  close(): void {
    this.view = null;
  }

  openRules(tab: 'rules' | 'profiles' = 'rules'): void {
    this.open({ type: 'rules', tab });
  }

  openRule(ruleId: string): void {
    this.open({ type: 'rules', tab: 'rules', ruleId });
  }

  editRule(draft: RuleDraft, note?: string, fromUrl?: string): void {
    this.open({ type: 'rules', tab: 'rules', edit: { draft, ...(note ? { note } : {}), ...(fromUrl ? { fromUrl } : {}) } });
  }

  notify(text: string, tone: Notice['tone'] = 'info', action?: Notice['action']): void {
    const notice: Notice = { id: this.#nextNotice++, text, tone, ...(action ? { action } : {}) };
    this.notices = [...this.notices, notice];
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.dismiss(notice.id);
    }, action ? NOTICE_MS.error * 2 : NOTICE_MS[tone]);
    this.#timers.add(timer);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
