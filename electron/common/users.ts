/**
 * People in team mode (issue 21): named users, each with a token of their own, and what each role may do.
 * Pure data and rules; the stores live in electron/core/users and electron/core/devices.
 *
 * Roles:
 * - admin:  everything a UI token holder can do today (rules, profiles, settings, capture, rotate the token);
 * - member: sees every flow and the rules, replays, exports, imports, pins, resumes breakpoints and binds
 *           their own devices, but rules, profiles and settings are read-only for them and they cannot
 *           delete captured flows (refused with code 'forbidden').
 * The data folder's UI token (`<data>/ui-token`, printed by `serve`) stays valid as the owner's (an admin);
 * with no users at all nothing changes from the single-token behaviour.
 */
import type { ApiMethod } from './api';

export type UserRole = 'admin' | 'member';

/** A user as listed (never the token or its hash). */
export interface UserInfo {
  name: string;
  role: UserRole;
  createdAt: number;
  /** Client addresses of the devices bound to this user (scanned bind codes): their default flow view. */
  devices: string[];
}

/** Who is signed in on this connection. */
export interface SessionInfo {
  /** True when the server has named users (team mode). */
  team: boolean;
  /** Null in single-user mode (the UI token, or the desktop window). */
  user: { name: string; role: UserRole; devices: string[] } | null;
}

/** The name the UI token signs in as when users exist; reserved, so no user can take it. */
export const OWNER_NAME = 'owner';

const NAME_SHAPE = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** Why a user name is refused, or undefined when it is fine. */
export function userNameProblem(name: string): string | undefined {
  if (!NAME_SHAPE.test(name)) return `a user name is 1–32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(name)})`;
  if (name === OWNER_NAME) return `'${OWNER_NAME}' is reserved for the data folder's UI token`;
  return undefined;
}

/**
 * The methods that change rules, profiles or settings, or delete captured flows: a member calling one is
 * refused. Everything else (reading, replaying, exporting, pinning, breakpoints) is open to every signed-in user.
 */
export const ADMIN_METHODS: ReadonlySet<ApiMethod> = new Set<ApiMethod>([
  // Captured traffic is the team's: a member may pin it, but not delete it.
  'flows.delete',
  'flows.clear',
  'capture.set',
  'rules.save',
  'rules.delete',
  'rules.reorder',
  'profiles.save',
  'profiles.delete',
  'profiles.copy',
  'profiles.import',
  'breakpoints.settings',
  'inspect.start',
  'inspect.stop',
  'token.rotate',
  'conditions.set',
  'sysproxy.set',
  'lan.set',
  'lan.allow',
  'trust.set',
  'http2.set',
]);

/** True when `role` may call `method` with `params` (breakpoints.settings without a new timeout only reads). */
export function roleAllows(role: UserRole, method: string, params?: unknown): boolean {
  if (role === 'admin') return true;
  if (method === 'breakpoints.settings') return (params as { timeoutMs?: unknown } | undefined)?.timeoutMs === undefined;
  return !ADMIN_METHODS.has(method as ApiMethod);
}

/**
 * The flow list's expression in "my devices" view: the typed filter, limited to the user's device
 * addresses (`(ip:a or ip:b) (typed)`). No devices or no scope: the typed filter as it is.
 */
export function deviceScopedFilter(typed: string, devices: readonly string[] | null): string {
  if (!devices || devices.length === 0) return typed;
  const scope = devices.map((d) => `ip:${d}`).join(' or ');
  return typed.trim() ? `(${scope}) (${typed})` : devices.length === 1 ? scope : `(${scope})`;
}
