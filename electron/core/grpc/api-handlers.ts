/** The API's gRPC methods: which .proto folders are loaded, and setting the Settings ones. */
import { ApiError, type ApiHandlers } from '../../common/api';
import { paramsObject } from '../../common/api-params';
import type { AnyCore } from '../core-types';
import { MAX_PROTO_FOLDERS, checkProtoFolder, grpcSettingsFile, writeProtoFolders } from './settings';

export function createGrpcApiHandlers(core: AnyCore): Pick<ApiHandlers, 'grpc.protos' | 'grpc.setProtos'> {
  return {
    async 'grpc.protos'(params) {
      paramsObject('grpc.protos', params, []);
      return core.protos.info();
    },
    async 'grpc.setProtos'(params) {
      const m = 'grpc.setProtos';
      const p = paramsObject(m, params, ['folders']);
      const folders = p.folders;
      if (!Array.isArray(folders) || !folders.every((f): f is string => typeof f === 'string')) throw new ApiError(`${m}: param 'folders' must be a list of paths`, 'bad-params');
      const wanted = [...new Set(folders.map((f) => f.trim()).filter(Boolean))];
      if (wanted.length > MAX_PROTO_FOLDERS) throw new ApiError(`${m}: at most ${MAX_PROTO_FOLDERS} folders`, 'bad-params');
      for (const folder of wanted) {
        const problem = checkProtoFolder(folder);
        if (problem) throw new ApiError(`${m}: ${problem}`, 'bad-params');
      }
      writeProtoFolders(grpcSettingsFile(core.dataDir), wanted);
      core.protos.load(wanted);
      return core.protos.info();
    },
  };
}
