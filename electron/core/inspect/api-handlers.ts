/**
 * The API's inspect.* methods (electron/common/api.ts) over the core's InspectService. Relays started through
 * the API always listen on loopback: exposing an inspector to the network is a decision for the command
 * line (`hindsight inspect --host … --allow …`), where the warning is printed.
 */
import { ApiError, type ApiHandlers } from '../../common/api';
import { DEFAULT_RELAY_HOST, DEFAULT_RELAY_PORT, DEFAULT_TARGETS } from '../../common/inspect';
import { optionalInteger, optionalString, paramsObject } from '../../common/api-params';
import type { InspectService } from './service';

export type InspectMethod = 'inspect.list' | 'inspect.start' | 'inspect.stop';

const MAX_TARGETS = 32;

export function createInspectApiHandlers(inspect: InspectService): Pick<ApiHandlers, InspectMethod> {
  return {
    async 'inspect.list'(params) {
      paramsObject('inspect.list', params, []);
      return inspect.list();
    },
    async 'inspect.start'(params) {
      const m = 'inspect.start';
      const p = paramsObject(m, params, ['port', 'targets', 'name']);
      const port = optionalInteger(m, p, 'port', 0, 65535) ?? DEFAULT_RELAY_PORT;
      const name = optionalString(m, p, 'name', 64) || undefined;
      const targets = p.targets ?? [DEFAULT_TARGETS];
      if (!Array.isArray(targets) || targets.length > MAX_TARGETS || !targets.every((t) => typeof t === 'string' && t.length <= 100)) {
        throw new ApiError(`${m}: param 'targets' must be a list of at most ${MAX_TARGETS} specs (PORT, FROM-TO, HOST:PORT)`, 'bad-params');
      }
      const config = { host: DEFAULT_RELAY_HOST, port, targets: (targets as string[]).map((t) => t.trim()).filter(Boolean), ...(name ? { name } : {}) };
      return inspect.start(config);
    },
    async 'inspect.stop'(params) {
      const p = paramsObject('inspect.stop', params, ['port']);
      const port = optionalInteger('inspect.stop', p, 'port', 0, 65535);
      if (port === undefined) throw new ApiError("inspect.stop: param 'port' must be an integer from 0 to 65535", 'bad-params');
      return { stopped: await inspect.stop(port) };
    },
  };
}
