// HTTP/2 inside a SOCKS5 tunnel: the tunnel's TLS socket (made over the SOCKS connection, after the SOCKS
// handshake was read in JavaScript) negotiates h2 and goes to the h2 front as a CONNECT tunnel's does. curl
// stops at the Content-Length and cancels the stream, often before the origin's END_STREAM came through the
// proxy: the flow is still complete (h2/response.ts declaredBodyDelivered).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../../../helpers/origin';
import { startTestCore, type TestCore } from '../../../helpers/core';
import { startH2Origin, type H2Origin } from '../../../helpers/h2';
import { curl, pemFile } from '../clients';

let origin: Origin;
let h2origin: H2Origin;
let proxy: TestCore;
let ca: ReturnType<typeof pemFile>;

before(async () => {
  origin = await startOrigin();
  h2origin = await startH2Origin();
  proxy = await startTestCore({ origin });
  ca = pemFile(proxy.caPem);
});
after(async () => {
  ca.dispose();
  await proxy.dispose();
  await h2origin.close();
  await origin.close();
});

describe('HTTP/2 over SOCKS5', () => {
  test('curl --http2 through --socks5-hostname: served over h2 end to end, one flow with the client address', async () => {
    const url = `https://h2.test:${h2origin.tlsPort}/bytes?n=3000`;
    const run = await curl(`socks5h://127.0.0.1:${proxy.port}`, ['--http2', '--interface', '127.0.0.2', '-o', '/dev/null', '-w', '%{http_version} %{size_download} ', url], { caFile: ca.file });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { curl: run.body.trim(), exit: run.exit, flow: { client: flow.client.ip, url: flow.request.url, httpVersion: flow.request.httpVersion, status: flow.response?.status, size: flow.response?.body.size, state: flow.state, error: flow.error } },
      { curl: '2 3000', exit: 0, flow: { client: '127.0.0.2', url, httpVersion: '2', status: 200, size: 3000, state: 'completed', error: undefined } },
    );
  });
});
