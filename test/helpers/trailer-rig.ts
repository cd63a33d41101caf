/**
 * The setup of the trailer tests (capture and replay): an HTTP/1.1+HTTPS origin (origin.ts), an h2 origin
 * (h2.ts) and an HTTP/1.1-only HTTPS origin that records trailers (http1-origin.ts), started once per file; a
 * fresh proxy per test; and h2 client sessions through it, closed after each test. Call at a file's top level:
 * it registers the hooks, and the returned object's fields are set by them.
 */
import { after, afterEach, before, beforeEach } from 'node:test';
import type http2 from 'node:http2';
import { startOrigin, type Origin } from './origin';
import { startTestCore, type TestCore } from './core';
import { h2ThroughProxy, startH2Origin, type H2Origin } from './h2';
import { startHttp1Origin } from './http1-origin';

export interface TrailerRig {
  origin: Origin;
  h2origin: H2Origin;
  h1origin: Awaited<ReturnType<typeof startHttp1Origin>>;
  proxy: TestCore;
  /** An h2 session through the proxy (TLS, ALPN h2) to host:port, closed after the test. */
  session(host: string, port: number): Promise<http2.ClientHttp2Session>;
}

export function useTrailerRig(): TrailerRig {
  const sessions: http2.ClientHttp2Session[] = [];
  const rig = {
    async session(host: string, port: number) {
      const s = await h2ThroughProxy(rig.proxy.port, host, port, rig.proxy.caPem);
      sessions.push(s);
      return s;
    },
  } as TrailerRig;
  before(async () => {
    rig.origin = await startOrigin();
    rig.h2origin = await startH2Origin();
    rig.h1origin = await startHttp1Origin();
  });
  after(async () => {
    await rig.origin.close();
    await rig.h2origin.close();
    await rig.h1origin.close();
  });
  beforeEach(async () => {
    rig.proxy = await startTestCore({ origin: rig.origin });
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await rig.proxy.dispose();
  });
  return rig;
}
