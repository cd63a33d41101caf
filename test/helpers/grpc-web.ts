/**
 * gRPC-Web framing for tests: a real origin (node:http) that answers the demo Greeter of
 * test/fixtures/grpc with messages encoded by protobufjs, and the client side's frame builder and reader.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import type { ProxyAgent } from 'undici';
import { startTestCore, type TestCore } from './core';
import { proxyAgent } from '../integration/capture/clients';

export const PROTO_DIR = path.join(__dirname, '..', 'fixtures', 'grpc');

export function loadDemoProto(): { HelloRequest: protobuf.Type; HelloReply: protobuf.Type } {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('demo/greeter.proto', { keepCase: true });
  return { HelloRequest: root.lookupType('demo.v1.HelloRequest'), HelloReply: root.lookupType('demo.v1.HelloReply') };
}

/** One length-prefixed frame: flag 1 compresses the payload with gzip, 0x80 marks trailers. */
export function grpcFrame(flags: number, payload: Uint8Array | string): Buffer {
  let body = Buffer.from(payload);
  if (flags & 1) body = zlib.gzipSync(body);
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** grpc-web-text: base64 that may be several padded segments back to back (one per frame). */
export function decodeBase64Segments(text: string): Buffer {
  return Buffer.concat((text.match(/[A-Za-z0-9+/]+=*/g) ?? []).map((segment) => Buffer.from(segment, 'base64')));
}

/** The frames of a whole body (uncompressed or gzip). */
export function readFrames(body: Buffer): { flags: number; payload: Buffer }[] {
  const frames: { flags: number; payload: Buffer }[] = [];
  for (let pos = 0; pos + 5 <= body.length; ) {
    const flags = body[pos];
    const length = body.readUInt32BE(pos + 1);
    let payload = body.subarray(pos + 5, pos + 5 + length);
    if (flags & 1) payload = zlib.gunzipSync(payload);
    frames.push({ flags, payload });
    pos += 5 + length;
  }
  return frames;
}

export interface GrpcWebOrigin {
  port: number;
  /** The decoded requests each call received. */
  received: { path: string; contentType: string; messages: Record<string, unknown>[] }[];
  close(): Promise<void>;
}

/**
 * /demo.v1.Greeter/SayHello answers one reply and grpc-status 0; SayMany streams three replies (the second
 * gzip-compressed) and ends with 14 UNAVAILABLE; /demo.v1.Greeter/Missing answers trailers-only, 12.
 * A grpc-web-text request is answered in grpc-web-text.
 */
export async function startGrpcWebOrigin(): Promise<GrpcWebOrigin> {
  const { HelloRequest, HelloReply } = loadDemoProto();
  const received: GrpcWebOrigin['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      const text = contentType.startsWith('application/grpc-web-text');
      let body: Buffer = Buffer.concat(chunks);
      if (text) body = decodeBase64Segments(body.toString('latin1'));
      let messages: Record<string, unknown>[];
      try {
        messages = readFrames(body).map((f) => HelloRequest.toObject(HelloRequest.decode(f.payload), { longs: String, enums: String }));
      } catch (err) {
        // What a real server does with bytes it cannot read: a trailers-only INVALID_ARGUMENT.
        res.writeHead(200, { 'content-type': 'application/grpc-web+proto', 'grpc-status': '3', 'grpc-message': encodeURIComponent((err as Error).message) });
        res.end();
        return;
      }
      received.push({ path: req.url ?? '', contentType, messages });
      const name = String(messages[0]?.name ?? '');
      const reply = (fields: Record<string, unknown>) => HelloReply.encode(HelloReply.fromObject(fields)).finish();
      let frames: Buffer[];
      if (req.url === '/demo.v1.Greeter/SayHello') {
        frames = [grpcFrame(0, reply({ message: `Hello, ${name}`, count: '9007199254740993', mood: 'HAPPY' })), grpcFrame(0x80, 'grpc-status: 0\r\ngrpc-message: \r\n')];
      } else if (req.url === '/demo.v1.Greeter/SayMany') {
        frames = [grpcFrame(0, reply({ message: 'one' })), grpcFrame(1, reply({ message: 'two', mood: 'GRUMPY' })), grpcFrame(0, reply({ message: 'three' })), grpcFrame(0x80, 'grpc-status: 14\r\ngrpc-message: backend%20gone\r\n')];
      } else {
        res.writeHead(200, { 'content-type': 'application/grpc-web+proto', 'grpc-status': '12', 'grpc-message': 'no such method' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': text ? 'application/grpc-web-text+proto' : 'application/grpc-web+proto', 'grpc-encoding': 'gzip' });
      // Each frame written on its own, as a streaming server sends them.
      for (const frame of frames) res.write(text ? frame.toString('base64') : frame);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface GrpcWebBed {
  proxy: TestCore;
  origin: GrpcWebOrigin;
  /** undici through the proxy (absolute-form requests, no tunnel: gRPC-Web over plain HTTP/1.1). */
  agent: ProxyAgent;
  /** The URL of a Greeter method on the origin, as the client asks for it. */
  url(method: string): string;
  dispose(): Promise<void>;
}

/** A core with the demo .proto loaded, the gRPC-Web origin, and a client agent through the proxy. */
export async function startGrpcWebBed(): Promise<GrpcWebBed> {
  const origin = await startGrpcWebOrigin();
  const proxy = await startTestCore({ protoDirs: [PROTO_DIR] });
  const agent = proxyAgent(proxy.proxyUrl, proxy.caPem, { tunnel: false });
  return {
    proxy,
    origin,
    agent,
    url: (method) => `http://grpc.test:${origin.port}/demo.v1.Greeter/${method}`,
    async dispose() {
      await agent.close();
      await proxy.dispose();
      await origin.close();
    },
  };
}
