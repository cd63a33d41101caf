/** The Reports view's state, set once in App.svelte, for the toolbar button that opens it. */
import { createContext } from 'svelte';
import type { ReportsState } from './reports.svelte';

export const [getReports, setReports] = createContext<ReportsState>();
