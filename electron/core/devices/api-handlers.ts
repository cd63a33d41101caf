/**
 * session.get and devices.bindCode for connections nobody signed in on (the desktop window, the in-memory
 * transport). The headless server answers both per connection instead (../users/scoped-api.ts), with the
 * signed-in user.
 */
import { ApiError, type ApiHandlers, type BindLink } from '../../common/api';
import { SETUP_HOST } from '../capture/setup-page';
import type { Core } from '../core-types';
import { optionalBoolean, optionalString, paramsObject } from '../api/params';
import type { BindTarget } from './types';

export function createTeamApiHandlers(core: Core): Pick<ApiHandlers, 'session.get' | 'devices.bindCode'> {
  return {
    async 'session.get'(params) {
      paramsObject('session.get', params, []);
      return { team: core.users.hasUsers(), user: null };
    },
    async 'devices.bindCode'(params) {
      return issueBindLink(core, bindParams(params), undefined);
    },
  };
}

export function bindParams(params: unknown): { profileId?: string; forMe: boolean } {
  const p = paramsObject('devices.bindCode', params, ['profileId', 'forMe']);
  const profileId = optionalString('devices.bindCode', p, 'profileId', 200);
  return { ...(profileId !== undefined ? { profileId } : {}), forMe: optionalBoolean('devices.bindCode', p, 'forMe') ?? false };
}

/** A code for the profile and/or `user` (the signed-in user when `forMe`); refused when it would bind to nothing. */
export function issueBindLink(core: Core, params: { profileId?: string; forMe: boolean }, user: string | undefined): BindLink {
  if (params.forMe && !user) throw new ApiError('devices.bindCode: binding a device to yourself needs a user of your own (hindsight users add NAME)', 'bad-params');
  if (!params.profileId && !params.forMe) throw new ApiError('devices.bindCode: name a profileId, or set forMe', 'bad-params');
  if (params.profileId) core.rules.store.profile(params.profileId);
  const target: BindTarget = { ...(params.profileId ? { profileId: params.profileId } : {}), ...(params.forMe && user ? { user } : {}) };
  const issued = core.devices.issueCode(target);
  return { code: issued.code, url: `http://${SETUP_HOST}/bind/${issued.code}`, expiresAt: issued.expiresAt };
}
