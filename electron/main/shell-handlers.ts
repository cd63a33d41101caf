/**
 * The API methods only the desktop shell answers (SHELL_METHODS in electron/common/api.ts): the system
 * proxy switch, LAN use, CA trust and the native save dialog. Params are checked as the core's are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ApiHandlers, type ShellMethod } from '../common/api';
import type { CaTrust } from '../../certs/trust/trust';
import { optionalBoolean, optionalString, paramsObject, requiredBoolean, type Params } from '../common/api-params';
import type { LanController } from '../core/lan/lan';
import type { SysproxyController } from '../core/sysproxy/controller';

export type ShellHandlers = Required<Pick<ApiHandlers, ShellMethod>>;

export interface ShellServices {
  sysproxy: SysproxyController;
  lan: LanController;
  trust: () => CaTrust;
  /** Asks where to save (native dialog); undefined when the user cancels. */
  chooseSavePath(suggestedName: string, filters: { name: string; extensions: string[] }[]): Promise<string | undefined>;
}

const MAX_LIST = 256;
const MAX_SAVE_BYTES = 512 * 1024 * 1024;

function optionalStringList(method: string, p: Params, name: string): string[] | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MAX_LIST || !v.every((s) => typeof s === 'string' && s.length <= 256)) {
    throw new ApiError(`${method}: param '${name}' must be a list of at most ${MAX_LIST} strings`, 'bad-params');
  }
  return v as string[];
}

function filtersParam(method: string, p: Params): { name: string; extensions: string[] }[] {
  const v = p.filters;
  if (v === undefined) return [];
  const ok = Array.isArray(v) && v.every((f) => f && typeof f.name === 'string' && Array.isArray(f.extensions) && f.extensions.every((e: unknown) => typeof e === 'string' && /^[\w*]+$/.test(e)));
  if (!ok) throw new ApiError(`${method}: param 'filters' must be [{ name, extensions: ['har', …] }]`, 'bad-params');
  return v as { name: string; extensions: string[] }[];
}

export function createShellHandlers(s: ShellServices): ShellHandlers {
  return {
    async 'sysproxy.get'(params) {
      paramsObject('sysproxy.get', params, []);
      return s.sysproxy.info();
    },
    async 'sysproxy.set'(params) {
      const m = 'sysproxy.set';
      const p = paramsObject(m, params, ['enabled', 'pac', 'bypass']);
      try {
        return await s.sysproxy.set({ enabled: optionalBoolean(m, p, 'enabled'), pac: optionalBoolean(m, p, 'pac'), bypass: optionalStringList(m, p, 'bypass') });
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError(`${m}: ${(err as Error).message}`, 'internal');
      }
    },
    async 'lan.get'(params) {
      paramsObject('lan.get', params, []);
      return s.lan.info();
    },
    async 'lan.set'(params) {
      const p = paramsObject('lan.set', params, ['enabled', 'allow']);
      return s.lan.set({ enabled: optionalBoolean('lan.set', p, 'enabled'), allow: optionalStringList('lan.set', p, 'allow') });
    },
    async 'lan.allow'(params) {
      const p = paramsObject('lan.allow', params, ['ip']);
      return s.lan.allow(optionalString('lan.allow', p, 'ip', 64) ?? '');
    },
    async 'trust.get'(params) {
      paramsObject('trust.get', params, []);
      return { stores: await s.trust().list() };
    },
    async 'trust.set'(params) {
      const p = paramsObject('trust.set', params, ['store', 'trusted']);
      const store = optionalString('trust.set', p, 'store', 200);
      if (!store) throw new ApiError("trust.set: param 'store' is required", 'bad-params');
      try {
        return { stores: await s.trust().set(store, requiredBoolean('trust.set', p, 'trusted')) };
      } catch (err) {
        throw new ApiError(`trust.set: ${(err as Error).message}`, 'internal');
      }
    },
    async 'dialog.save'(params) {
      const m = 'dialog.save';
      const p = paramsObject(m, params, ['suggestedName', 'text', 'base64', 'filters']);
      const name = path.basename(optionalString(m, p, 'suggestedName', 255) ?? 'export');
      const text = optionalString(m, p, 'text', MAX_SAVE_BYTES);
      const base64 = optionalString(m, p, 'base64', MAX_SAVE_BYTES);
      if ((text === undefined) === (base64 === undefined)) throw new ApiError(`${m}: give exactly one of 'text' or 'base64'`, 'bad-params');
      const target = await s.chooseSavePath(name, filtersParam(m, p));
      if (!target) return { saved: false };
      await fs.promises.writeFile(target, text !== undefined ? text : Buffer.from(base64!, 'base64'));
      return { saved: true, path: target };
    },
  };
}
