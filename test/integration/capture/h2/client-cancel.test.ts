// An h2 client that cancels its stream: before the whole declared body reached it, the exchange is the client's
// abort (a failed flow, phase client); curl's cancel after the last declared byte is covered in socks-h2.test.ts.
// The session stays usable for the next stream either way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startOrigin, type Origin } from '../../../helpers/origin';
import { startTestCore, type TestCore } from '../../../helpers/core';
import { h2Request, h2ThroughProxy, startH2Origin, type H2Origin } from '../../../helpers/h2';

let origin: Origin;
let h2origin: H2Origin;
let proxy: TestCore;

before(async () => {
  origin = await startOrigin();
  h2origin = await startH2Origin();
  proxy = await startTestCore({ origin });
});
after(async () => {
  await proxy.dispose();
  await h2origin.close();
  await origin.close();
});

describe('an h2 client cancelling a stream', () => {
  test('mid-body (4 MB declared, cancelled at its first bytes): a failed flow, phase client; the next stream is answered', async () => {
    const session = await h2ThroughProxy(proxy.port, 'h2.test', h2origin.tlsPort, proxy.caPem);
    try {
      const size = 4 * 1024 * 1024;
      const got = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': `/bytes?n=${size}` });
        let bytes = 0;
        stream.on('error', reject);
        stream.once('data', (chunk: Buffer) => {
          bytes += chunk.length;
          // The stream's window (64 KB by default) holds the rest back: most of the body is still to come.
          stream.close(http2.constants.NGHTTP2_CANCEL);
          resolve(bytes);
        });
      });
      const [cancelled] = await proxy.finishedFlows(1);
      const next = await h2Request(session, { ':path': '/bytes?n=10' });
      assert.deepEqual(
        { lessThanAll: got < size, cancelled: { url: cancelled.request.url, state: cancelled.state, error: cancelled.error }, next: next.status },
        {
          lessThanAll: true,
          cancelled: { url: `https://h2.test:${h2origin.tlsPort}/bytes?n=${size}`, state: 'failed', error: { phase: 'client', message: 'the client closed the connection before the exchange completed' } },
          next: 200,
        },
      );
    } finally {
      session.destroy();
    }
  });
});
