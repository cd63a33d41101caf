/**
 * Adds the protobuf field tree to a flow's gRPC messages as the API returns them: decoded on read, not on
 * capture, so .proto files added later name the fields of flows already stored, and capture pays nothing.
 * The message type comes from the flow's path (Flow.grpc): request type to the server, response type back.
 */
import type { Flow } from '../../common/flow';
import type { FlowMessage } from '../../common/message';
import { decodeProtobuf } from '../../common/protobuf-wire';
import type { ProtoSchemas } from './schema';

export function withDecodedGrpc(flow: Flow, messages: FlowMessage[], protos: ProtoSchemas | undefined): FlowMessage[] {
  if (!flow.grpc) return messages;
  const { service, method } = flow.grpc;
  return messages.map((m) => {
    // A compressed message that could not be decompressed (m.encoding) is not protobuf as it stands.
    if (m.kind !== 'grpc' || m.base64 === undefined || m.encoding) return m;
    const schema = protos?.schemaFor(service, method, m.dir);
    return { ...m, decoded: decodeProtobuf(Buffer.from(m.base64, 'base64'), schema) };
  });
}
