/**
 * The rules, breakpoints, replay, composer, diff and export tools' services, handed to components through
 * their own typed context (set once in App.svelte next to the app context in ./context.ts).
 */
import { createContext } from 'svelte';
import type { BreakpointQueue } from './state/breakpoints.svelte';
import type { RulesModel } from './state/rules.svelte';
import type { FlowSelection } from './state/selection.svelte';
import type { Workbench } from './state/workbench.svelte';

export interface ToolsContext {
  rules: RulesModel;
  breakpoints: BreakpointQueue;
  selection: FlowSelection;
  workbench: Workbench;
}

export const [getTools, setTools] = createContext<ToolsContext>();
