/**
 * The API as one signed-in connection of the headless server sees it: the shared server side
 * (../api/dispatcher.ts) behind the caller's role and name. A member's call to a method that changes
 * rules, profiles or settings is refused with code 'forbidden' before any handler runs; in team mode a
 * saved rule or profile is stamped `savedBy` with the caller's name (whatever the client sent); session.get
 * and devices.bindCode are answered for this caller.
 */
import { ApiError, isApiMethod, type ApiResponse } from '../../common/api';
import { roleAllows, type SessionInfo } from '../../common/users';
import type { ApiServerSide } from '../api/dispatcher';
import { errorInfo } from '../api/dispatcher';
import type { AnyCore } from '../core-types';
import { bindParams, issueBindLink } from '../devices/api-handlers';
import type { Principal } from '../users/types';

type Request = { id?: unknown; method?: unknown; params?: unknown };

export function scopedApi(api: ApiServerSide, core: AnyCore, principal: Principal): ApiServerSide {
  const session = (): SessionInfo => {
    const team = core.users.hasUsers();
    if (!team) return { team, user: null };
    const devices = principal.kind === 'user' ? (core.users.list().find((u) => u.name === principal.name)?.devices ?? []) : [];
    return { team, user: { name: principal.name, role: principal.role, devices } };
  };
  /** The author stamped on saves: the caller in team mode, nobody otherwise (a client cannot choose it). */
  const author = (): string | undefined => (core.users.hasUsers() ? principal.name : undefined);

  async function own(id: number, method: string, params: unknown): Promise<ApiResponse | undefined> {
    try {
      if (method === 'session.get') return { id, result: session() };
      if (method === 'devices.bindCode') {
        const p = bindParams(params);
        // Binding a device to a profile changes the profile: an admin's decision. Anyone may bind their own.
        if (p.profileId && principal.role !== 'admin') throw forbidden('binding a device to a profile');
        return { id, result: await issueBindLink(core, p, principal.kind === 'user' ? principal.name : undefined) };
      }
    } catch (err) {
      return { id, error: errorInfo(err) };
    }
    return undefined;
  }

  return {
    async handle(request) {
      const r = (request && typeof request === 'object' ? request : {}) as Request;
      const id = typeof r.id === 'number' && Number.isSafeInteger(r.id) ? r.id : 0;
      if (id > 0 && isApiMethod(r.method)) {
        const method = r.method;
        if (!roleAllows(principal.role, method, r.params)) return { id, error: forbidden(method).toInfo() };
        const answered = await own(id, method, r.params);
        if (answered) return answered;
        const response = await api.handle({ ...r, params: stamped(method, r.params, author()) });
        if ('result' in response && (method === 'profiles.copy' || method === 'profiles.import')) await stampProfile(core, response.result, author());
        return response;
      }
      return api.handle(request);
    },
    subscribe: (send) => api.subscribe(send),
    publish: (event, data) => api.publish(event, data),
    // The shared server side belongs to the UI server; one connection closing must not dispose it.
    dispose() {},
  };
}

function forbidden(what: string): ApiError {
  if (what === 'flows.delete' || what === 'flows.clear') return new ApiError(`${what}: your role (member) cannot delete captured flows; ask an admin`, 'forbidden');
  return new ApiError(`${what}: your role (member) can view rules, profiles and settings but not change them; ask an admin`, 'forbidden');
}

/** rules.save and profiles.save (and a profile's rules) carry the author; any savedBy the client sent is replaced. */
function stamped(method: string, params: unknown, author: string | undefined): unknown {
  if (!params || typeof params !== 'object') return params;
  const withAuthor = (doc: unknown) => {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
    const { savedBy: _dropped, ...rest } = doc as Record<string, unknown>;
    return author ? { ...rest, savedBy: author } : rest;
  };
  const p = params as Record<string, unknown>;
  if (method === 'rules.save') return { ...p, rule: withAuthor(p.rule) };
  if (method === 'profiles.save') {
    const profile = withAuthor(p.profile) as Record<string, unknown>;
    return { ...p, profile: profile && Array.isArray(profile.rules) ? { ...profile, rules: profile.rules.map(withAuthor) } : profile };
  }
  return params;
}

/** A copied or imported profile was made by the caller: saved once more with its name and clients and the author. */
async function stampProfile(core: AnyCore, result: unknown, author: string | undefined): Promise<void> {
  const profile = result as { id?: string; name?: string; clients?: string[] } | null;
  if (!author || !profile?.id || !profile.name) return;
  const saved = await core.rules.store.saveProfile({ id: profile.id, name: profile.name, clients: profile.clients ?? [], savedBy: author });
  Object.assign(profile, { savedBy: saved.savedBy });
}
