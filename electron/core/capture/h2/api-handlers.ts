/** The API's HTTP/2 setting methods (Settings → HTTP/2). */
import { ApiError, type ApiHandlers } from '../../../common/api';
import { paramsObject } from '../../../common/api-params';
import type { Http2Service } from './setting';

export function createHttp2ApiHandlers(http2: Http2Service): Pick<ApiHandlers, 'http2.get' | 'http2.set'> {
  return {
    async 'http2.get'(params) {
      paramsObject('http2.get', params, []);
      return http2.info();
    },
    async 'http2.set'(params) {
      const p = paramsObject('http2.set', params, ['mode']);
      if (p.mode !== 'auto' && p.mode !== 'off') throw new ApiError(`http2.set: param 'mode' must be "auto" or "off"`, 'bad-params');
      return http2.set(p.mode);
    },
  };
}
