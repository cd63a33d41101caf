/**
 * Who a token belongs to: the data folder's UI token is the owner (an admin, also in team mode, so the
 * CLI's lock-file token and the URL `serve` prints keep working); any other token must be a user's.
 * With no users, only the UI token opens anything, exactly as before team mode.
 */
import { OWNER_NAME } from '../../common/users';
import { tokenMatches } from './access';
import type { Principal, UserDirectory } from '../users/types';

export function authorize(token: string | undefined, uiToken: string, users: UserDirectory): Principal | undefined {
  if (!token) return undefined;
  if (tokenMatches(token, uiToken)) return { kind: 'owner', name: OWNER_NAME, role: 'admin' };
  const user = users.authenticate(token);
  return user ? { kind: 'user', name: user.name, role: user.role } : undefined;
}
