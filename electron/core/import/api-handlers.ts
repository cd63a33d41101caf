/**
 * The API's import methods: text another tool wrote, read in. `flows.import` stores a HAR file's entries as
 * flows; `flows.parseCurl` reads a pasted curl command into a request for the composer (the inverse of the
 * curl export; nothing is stored or sent). createApiHandlers (../api/handlers.ts) spreads these in. Params
 * are untrusted and checked here.
 */
import { ApiError, type ApiHandlers } from '../../common/api';
import { CurlParseError, parseCurl } from '../../common/curl-parse';
import { optionalString, paramsObject } from '../../common/api-params';
import type { AnyCore } from '../core-types';
import { HarImportError } from './har';
import { importHar } from './into-store';

export type ImportMethod = 'flows.import' | 'flows.parseCurl';

const MAX_HAR_CHARS = 256 * 1024 * 1024;
/** A pasted command carries at most a composed body's worth (16 MB, as flows.send takes). */
const MAX_CURL_CHARS = 16 * 1024 * 1024;

export function createImportApiHandlers(core: AnyCore): Pick<ApiHandlers, ImportMethod> {
  return {
    async 'flows.import'(params) {
      const m = 'flows.import';
      const p = paramsObject(m, params, ['harText']);
      const harText = optionalString(m, p, 'harText', MAX_HAR_CHARS);
      if (harText === undefined) throw new ApiError(`${m}: param 'harText' must be a string`, 'bad-params');
      await core.store.ready;
      try {
        // Checked whole first, then stored entry by entry: only the text and one entry are in memory.
        const outcome = await importHar(core.store, () => harText, { spoolDir: core.dataDir });
        return { imported: outcome.count, ids: outcome.kept, trimmed: outcome.trimmed, trimmedOther: outcome.trimmedOther, notKept: outcome.notKept, ...(outcome.keeps !== undefined ? { keeps: outcome.keeps } : {}) };
      } catch (err) {
        if (err instanceof HarImportError) throw new ApiError(err.message, 'bad-har');
        throw err;
      }
    },
    async 'flows.parseCurl'(params) {
      const m = 'flows.parseCurl';
      const p = paramsObject(m, params, ['command']);
      const command = optionalString(m, p, 'command', MAX_CURL_CHARS);
      if (command === undefined) throw new ApiError(`${m}: param 'command' must be a string`, 'bad-params');
      try {
        return parseCurl(command);
      } catch (err) {
        if (err instanceof CurlParseError) throw new ApiError(err.message, 'bad-curl');
        throw err;
      }
    },
  };
}
