/** Who is signed in (SessionState), set once in App.svelte, for views that say what a member may not change. */
import { createContext } from 'svelte';
import type { SessionState } from './session.svelte';

export const [getSession, setSession] = createContext<SessionState>();
