/**
 * What can be done to selected flows, shared by the row context menu and the detail pane's buttons:
 * replay (through or around the rules), edit and resend, compare, write a rule from the flow, copy as
 * curl and export. Each action reports its outcome as a notice; nothing here throws at the caller.
 */
import { ApiError } from '../../../../electron/common/api';
import { EXPORT_FORMAT_LABELS, type ExportFormat, type ExportShell } from '../../../../electron/common/export-format';
import type { RuleChoice } from '../../../../electron/common/replay';
import type { AppContext } from '../../lib/context';
import type { ToolsContext } from '../../lib/tools-context';
import type { MenuEntry } from '../../lib/ui/Menu.svelte';
import { formatMatched } from '../../lib/format';
import { copyCurl, saveExport, SHELL_LABELS, type ExportTarget } from '../export/export';
import { draftOf, formFromFlow, requestedUrl, type FlowRuleKind } from '../rules/rule-form';

export interface ActionContext {
  app: AppContext;
  tools: ToolsContext;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Sends the flows again in capture order; selects the new flows. A truncated body asks first. */
export async function replayFlows(ctx: ActionContext, ids: string[], rules: RuleChoice, allowTruncated = false): Promise<void> {
  const { workbench, selection } = ctx.tools;
  try {
    const { results } = await ctx.app.backend.client.call('flows.replay', { ids, rules, ...(allowTruncated ? { allowTruncated } : {}) });
    const made = results.flatMap((r) => ('flow' in r ? [r.flow] : []));
    const failed = results.flatMap((r) => ('error' in r ? [r.error] : []));
    if (made.length) selection.set(made.map((f) => f.id));
    const truncated = failed.filter((e) => e.code === 'truncated');
    if (truncated.length && !allowTruncated) {
      const cut = results.filter((r) => 'error' in r && r.error.code === 'truncated').map((r) => r.of);
      workbench.notify(
        `${plural(truncated.length, 'request')} could not be replayed exactly: the stored body was truncated. ${truncated[0].message}`,
        'error',
        { label: 'Replay the stored part', run: () => void replayFlows(ctx, cut, rules, true) },
      );
    } else if (failed.length) {
      workbench.notify(`${made.length ? `Replayed ${made.length}; ` : ''}${plural(failed.length, 'replay')} failed: ${failed[0].message}`, 'error');
    }
    if (made.length && !failed.length) {
      const only = made.length === 1 ? made[0] : undefined;
      workbench.notify(only ? `Replayed${rules === 'bypass' ? ' without rules' : ''}: ${only.status ?? only.error ?? 'sent'}` : `Replayed ${made.length} requests${rules === 'bypass' ? ' without rules' : ''}`);
    }
  } catch (err) {
    workbench.notify(`Replay failed: ${message(err)}`, 'error');
  }
}

/** Opens the rule editor filled from the flow. */
export async function ruleFromFlow(ctx: ActionContext, id: string, kind: FlowRuleKind): Promise<void> {
  try {
    const flow = await ctx.app.backend.client.call('flows.get', { id });
    if (!flow) throw new ApiError('That flow is no longer stored.', 'not-found');
    const { form, note } = await formFromFlow(ctx.app.backend.client, flow, kind);
    // The editor offers the URL scopes of the URL the client asked for (rule-form.ts requestedUrl).
    ctx.tools.workbench.editRule(draftOf(form), note, kind === 'map-remote' ? undefined : requestedUrl(flow));
  } catch (err) {
    ctx.tools.workbench.notify(message(err), 'error');
  }
}

/** Two flows side by side; one replay is compared with its original. */
export function compareTarget(ctx: ActionContext, ids: string[]): { a: string; b: string } | undefined {
  if (ids.length === 2) {
    const [x, y] = ids.map((id) => ctx.app.list.get(id));
    // Older on the left, so a replay lands on the right of what it replays.
    return x && y && x.seq > y.seq ? { a: ids[1], b: ids[0] } : { a: ids[0], b: ids[1] };
  }
  if (ids.length === 1) {
    const replayOf = ctx.app.list.get(ids[0])?.replayOf ?? (ctx.app.detail.flow?.id === ids[0] ? ctx.app.detail.flow.replayOf : undefined);
    if (replayOf) return { a: replayOf, b: ids[0] };
  }
  return undefined;
}

export async function copyAsCurl(ctx: ActionContext, ids: string[], shell: ExportShell): Promise<void> {
  try {
    const { count, files } = await copyCurl(ctx.app.backend.client, ids, shell);
    const what = count === 1 ? 'curl command' : `${count} curl commands`;
    ctx.tools.workbench.notify(files.length ? `Copied the ${what} (${SHELL_LABELS[shell]}); it reads ${files.join(', ')}: export as curl to save ${files.length === 1 ? 'that file' : 'those files'} too.` : `Copied the ${what} (${SHELL_LABELS[shell]})`);
  } catch (err) {
    ctx.tools.workbench.notify(`Copy failed: ${message(err)}`, 'error');
  }
}

export async function exportFlows(ctx: ActionContext, target: ExportTarget, format: ExportFormat, shell: ExportShell = 'bash'): Promise<void> {
  try {
    const saved = await saveExport(ctx.app.backend, target, format, shell);
    if (saved && ctx.app.backend.shell === 'electron') ctx.tools.workbench.notify(`Saved ${EXPORT_FORMAT_LABELS[format]}`);
  } catch (err) {
    ctx.tools.workbench.notify(`Export failed: ${message(err)}`, 'error');
  }
}

const FORMATS: ExportFormat[] = ['har', 'postman', 'curl', 'ndjson'];

/** The export entries for a target ("selected" or "filtered"). */
export function exportEntries(ctx: ActionContext, target: ExportTarget, prefix: string): MenuEntry[] {
  return FORMATS.map((format) => ({
    label: `${prefix} ${EXPORT_FORMAT_LABELS[format]}…`,
    onSelect: () => void exportFlows(ctx, target, format),
    testid: `export-${'ids' in target ? 'selected' : 'filtered'}-${format}`,
  }));
}

/** The row context menu (and the detail pane's "more" menu) for the selection. */
export function flowMenu(ctx: ActionContext, ids: string[]): MenuEntry[] {
  const { workbench } = ctx.tools;
  const one = ids.length === 1 ? ids[0] : undefined;
  const compare = compareTarget(ctx, ids);
  const many = ids.length > 1 ? ` ${ids.length}` : '';
  const filtered = formatMatched(ctx.app.list);
  // Replays go out, and exports list flows, in capture order, whatever order the list shows.
  const inOrder = [...ids].sort((x, y) => (ctx.app.list.get(x)?.seq ?? 0) - (ctx.app.list.get(y)?.seq ?? 0));
  const entries: MenuEntry[] = [
    { label: `Replay${many}`, hint: 'through rules', onSelect: () => void replayFlows(ctx, inOrder, 'apply'), testid: 'menu-replay' },
    { label: `Replay${many} bypassing rules`, onSelect: () => void replayFlows(ctx, inOrder, 'bypass'), testid: 'menu-replay-bypass' },
    { label: 'Edit and resend…', disabled: !one, onSelect: () => one && workbench.open({ type: 'composer', start: { from: 'flow', id: one } }), testid: 'menu-resend' },
    {
      label: ids.length === 2 ? 'Compare these two' : 'Compare with original',
      disabled: !compare,
      onSelect: () => compare && workbench.open({ type: 'diff', ...compare }),
      testid: 'menu-compare',
    },
    { label: `Replay${many} against…`, hint: 'another server', onSelect: () => workbench.open({ type: 'session-replay', ids: inOrder }), testid: 'menu-replay-against' },
    { separator: true },
    { heading: 'Rules from this flow' },
    { label: 'Mock response…', disabled: !one, onSelect: () => one && void ruleFromFlow(ctx, one, 'mock'), testid: 'menu-mock-response' },
    { label: 'Mock request…', hint: 'rewrite', disabled: !one, onSelect: () => one && void ruleFromFlow(ctx, one, 'mock-request'), testid: 'menu-mock-request' },
    { label: 'Map remote…', disabled: !one, onSelect: () => one && void ruleFromFlow(ctx, one, 'map-remote'), testid: 'menu-map-remote' },
    { label: 'Breakpoint on this URL…', disabled: !one, onSelect: () => one && void ruleFromFlow(ctx, one, 'breakpoint'), testid: 'menu-breakpoint' },
    { separator: true },
    { heading: ids.length > 1 ? `Copy and export ${ids.length} selected` : 'Copy and export' },
    ...(['bash', 'cmd', 'powershell'] as const).map((shell) => ({
      label: `Copy as curl (${SHELL_LABELS[shell]})`,
      onSelect: () => void copyAsCurl(ctx, inOrder, shell),
      testid: `copy-curl-${shell}`,
    })),
    ...exportEntries(ctx, { ids: inOrder }, 'Save as'),
    { separator: true },
    { heading: `All ${filtered} ${ctx.app.list.filter ? 'matching the filter' : 'stored'}` },
    ...exportEntries(ctx, { filter: ctx.app.list.filter }, 'Save as'),
    { label: 'Replay all against…', onSelect: () => workbench.open({ type: 'session-replay', filter: ctx.app.list.filter }), testid: 'menu-replay-filtered-against' },
  ];
  return entries;
}
