/**
 * session.get and devices.bindCode for connections nobody signed in on (the desktop window, the in-memory
 * transport). The headless server answers both per connection instead (../server/scoped-api.ts), with the
 * signed-in user.
 */
import { ApiError, type ApiHandlers, type BindLink } from '../../common/api';
import { SETUP_HOST } from '../capture/setup-page';
import type { AnyCore } from '../core-types';
import type { BindTarget } from './types';

export function createTeamApiHandlers(core: AnyCore): Pick<ApiHandlers, 'session.get' | 'devices.bindCode'> {
  return {
    async 'session.get'() {
      return { team: core.users.hasUsers(), user: null };
    },
    async 'devices.bindCode'(params) {
      return issueBindLink(core, bindParams(params), undefined);
    },
  };
}

/** Checked here rather than with the shared param helpers: two optional fields, each with its own message. */
export function bindParams(params: unknown): { profileId?: string; forMe: boolean } {
  const p = (params ?? {}) as { profileId?: unknown; forMe?: unknown };
  if (typeof p !== 'object' || Array.isArray(p)) throw new ApiError('devices.bindCode: params must be an object { profileId?, forMe? }', 'bad-params');
  const unknown = Object.keys(p).find((k) => k !== 'profileId' && k !== 'forMe');
  if (unknown !== undefined) throw new ApiError(`devices.bindCode: unknown param ${JSON.stringify(unknown)}`, 'bad-params');
  if (p.profileId !== undefined && (typeof p.profileId !== 'string' || p.profileId.length === 0 || p.profileId.length > 200)) {
    throw new ApiError('devices.bindCode: profileId must be a profile id', 'bad-params');
  }
  if (p.forMe !== undefined && typeof p.forMe !== 'boolean') throw new ApiError('devices.bindCode: forMe must be true or false', 'bad-params');
  return { ...(p.profileId !== undefined ? { profileId: p.profileId as string } : {}), forMe: p.forMe === true };
}

/** A code for the profile and/or `user` (the signed-in user when `forMe`); refused when it would bind to nothing. */
export async function issueBindLink(core: AnyCore, params: { profileId?: string; forMe: boolean }, user: string | undefined): Promise<BindLink> {
  if (params.forMe && !user) throw new ApiError('devices.bindCode: binding a device to yourself needs a user of your own (hindsight users add NAME)', 'bad-params');
  if (!params.profileId && !params.forMe) throw new ApiError('devices.bindCode: name a profileId, or set forMe', 'bad-params');
  if (params.profileId) core.rules.store.profile(params.profileId);
  const target: BindTarget = { ...(params.profileId ? { profileId: params.profileId } : {}), ...(params.forMe && user ? { user } : {}) };
  const issued = await core.devices.issueCode(target);
  return { code: issued.code, url: `http://${SETUP_HOST}/bind/${issued.code}`, expiresAt: issued.expiresAt };
}
