/**
 * The echo service of the gRPC-over-HTTP/2 tests (test/integration/capture/h2/fixtures/echo.proto) for
 * @grpc/grpc-js: its message and client types, the loaded service, binding a server on loopback (TLS with a
 * leaf of the test origin CA for grpc.test, or insecure), and pointing grpc-js at the proxy through
 * `grpc_proxy` as users do (the environment put back afterwards).
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { originCa } from './origin';

export interface Note {
  text: string;
  n: number;
}
export type EchoClient = grpc.Client & {
  Say(note: Note, metadata: grpc.Metadata, options: grpc.CallOptions, done: (err: grpc.ServiceError | null, reply?: Note) => void): grpc.ClientUnaryCall;
  Count(note: Note, metadata: grpc.Metadata): grpc.ClientReadableStream<Note>;
  Chat(metadata: grpc.Metadata): grpc.ClientDuplexStream<Note, Note>;
};

/** The folder holding echo.proto (also what the core's protoDirs loads). */
export const ECHO_PROTO_DIR = path.join(__dirname, '..', 'integration', 'capture', 'h2', 'fixtures');

const definition = protoLoader.loadSync(path.join(ECHO_PROTO_DIR, 'echo.proto'), { keepCase: true, defaults: true });
export const Echo = (grpc.loadPackageDefinition(definition) as unknown as { hindsight: { test: { Echo: grpc.ServiceClientConstructor } } }).hindsight.test.Echo;

/** Binds `server` on 127.0.0.1, port 0: TLS as grpc.test (signed by the origin CA) or insecure. */
export async function bindEcho(server: grpc.Server, secure: boolean): Promise<number> {
  let credentials = grpc.ServerCredentials.createInsecure();
  if (secure) {
    const leaf = (await originCa()).ca.leafFor('grpc.test');
    credentials = grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(leaf.key), cert_chain: Buffer.from(leaf.cert) }]);
  }
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, port) => (err ? reject(err) : resolve(port))));
}

const PROXY_VARS = ['grpc_proxy', 'no_grpc_proxy', 'no_proxy'] as const;

/** Makes grpc-js channels created from now on go through `proxyUrl`; returns what puts the environment back. */
export function useGrpcProxy(proxyUrl: string): () => void {
  const saved = PROXY_VARS.map((name) => [name, process.env[name]] as const);
  // How a user points grpc-js at a proxy; read when a channel is created.
  process.env.grpc_proxy = proxyUrl;
  delete process.env.no_grpc_proxy;
  delete process.env.no_proxy;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** A client for grpc.test:port: TLS trusting the proxy's CA (`caPem`), or insecure when caPem is null. */
export function echoClient(port: number, caPem: string | null): EchoClient {
  const credentials = caPem !== null ? grpc.credentials.createSsl(Buffer.from(caPem)) : grpc.credentials.createInsecure();
  return new Echo(`grpc.test:${port}`, credentials) as unknown as EchoClient;
}
