/** The shell settings (system proxy, LAN, CA trust), handed to the panel and the status bar notice (set once in App.svelte). */
import { createContext } from 'svelte';
import type { ShellSettings } from './shell-settings.svelte';

export const [getSettings, setSettings] = createContext<ShellSettings>();
