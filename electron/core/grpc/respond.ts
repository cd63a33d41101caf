/**
 * Builds the answer of a mock rule to a unary gRPC call (Action 'mock' with `grpc`): the reply message encoded
 * from JSON with the call's response type (protobufjs, the loaded .proto files), and the status as grpc-status
 * and grpc-message. Transport-neutral: buildGrpcResponse() returns headers, body and trailers; each transport
 * sends them its way.
 *
 * - gRPC-Web (the request's content type is application/grpc-web…): the trailers travel inside the body as a
 *   frame flagged 0x80 (base64 too for grpc-web-text), so `trailers` is empty; HTTP/1.1 sends headers + body.
 * - gRPC (application/grpc…, HTTP/2): `trailers` holds grpc-status and grpc-message, to be sent as the
 *   stream's trailing HEADERS; the body is the message frame (empty when there is no reply message).
 *
 * A reply needs the schema: without a .proto naming the method's response type, or with JSON that does not fit
 * it, buildGrpcResponse throws an Error whose message says what to fix (the flow fails with phase 'rule').
 */
import type protobuf from 'protobufjs';
import type { Headers } from '../../common/flow';
import { encodeGrpcMessage, grpcFraming, grpcMethodOf, type GrpcMockAnswer } from '../../common/grpc';
import { protobufjs, type ProtoSchemas } from './schema';

export interface GrpcResponseParts {
  /** Response headers (no :status; the HTTP status is 200). */
  headers: Headers;
  body: Buffer;
  /** Trailers to send after the body (gRPC over HTTP/2); empty for gRPC-Web, whose trailers are in the body. */
  trailers: Headers;
}

/** `path`: the request's path (`/package.Service/Method`); `contentType`: the request's content type. */
export function buildGrpcResponse(answer: GrpcMockAnswer, call: { path: string; contentType: string | undefined }, protos: ProtoSchemas | undefined): GrpcResponseParts {
  const framing = grpcFraming(call.contentType) ?? { web: false, base64: false };
  const frames: Buffer[] = [];
  if (answer.json !== undefined) frames.push(frame(0, encodeReply(answer.json, call.path, protos)));
  const status: Headers = [['grpc-status', String(answer.status)]];
  if (answer.message) status.push(['grpc-message', encodeGrpcMessage(answer.message)]);
  // Reply in the family the client spoke (grpc-web-text stays text), always with the proto codec.
  const contentType = framing.base64 ? 'application/grpc-web-text+proto' : framing.web ? 'application/grpc-web+proto' : 'application/grpc+proto';
  const headers: Headers = [['content-type', contentType]];
  if (!framing.web) return { headers, body: Buffer.concat(frames), trailers: status };
  frames.push(frame(0x80, Buffer.from(status.map(([k, v]) => `${k}: ${v}\r\n`).join(''))));
  const body = Buffer.concat(frames);
  return { headers, body: framing.base64 ? Buffer.from(body.toString('base64')) : body, trailers: [] };
}

/**
 * The mock as the rules pipeline's respond decision: an HTTP/1.1-shaped response, and the parts as built
 * (`grpc`) for a transport that has trailers (HTTP/2 sends headers, body, then trailers as trailing HEADERS).
 */
export function grpcMockAnswer(answer: GrpcMockAnswer, call: { path: string; contentType: string | undefined }, protos: ProtoSchemas | undefined): { status: number; statusText: string; headers: Headers; body: Buffer; grpc: GrpcResponseParts } {
  const parts = buildGrpcResponse(answer, call, protos);
  return { ...grpcPartsHttp1(parts), grpc: parts };
}

function grpcPartsHttp1(parts: GrpcResponseParts): { status: number; statusText: string; headers: Headers; body: Buffer } {
  // Native gRPC over HTTP/1.1 has no trailers to carry the status: a trailers-only answer puts it in the headers.
  const headers = parts.trailers.length && parts.body.length === 0 ? [...parts.headers, ...parts.trailers] : parts.headers;
  return { status: 200, statusText: 'OK', headers: [...headers, ['content-length', String(parts.body.length)]], body: parts.body };
}

function encodeReply(json: string, path: string, protos: ProtoSchemas | undefined): Uint8Array {
  const { service, method } = grpcMethodOf(path);
  const type = protos?.typeFor(service, method, 'to-client');
  if (!type) throw new Error(`the gRPC mock has a reply but no loaded .proto names the response type of ${path} (hindsight serve --proto DIR)`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`the gRPC mock's reply is not JSON: ${(err as Error).message}`);
  }
  const name = type.fullName.replace(/^\./, '');
  const unknown = unknownField(type, value, '');
  if (unknown) throw new Error(`the gRPC mock's reply does not fit ${name}: it has no field ${unknown}`);
  try {
    // fromObject converts JSON's forms (enum names, 64-bit numbers as text, base64 bytes) and refuses wrong shapes.
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  } catch (err) {
    throw new Error(`the gRPC mock's reply does not fit ${name}: ${(err as Error).message}`);
  }
}

/** The path of the first key that names no field (fromObject would drop it silently: a typo must not). */
function unknownField(type: protobuf.Type, value: unknown, at: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) return `${at}${key}`;
    field.resolve();
    if (field.resolvedType instanceof protobufjs().Type && !field.map) {
      for (const item of Array.isArray(child) ? child : [child]) {
        const inner = unknownField(field.resolvedType, item, `${at}${key}.`);
        if (inner) return inner;
      }
    }
  }
  return undefined;
}

function frame(flags: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}
