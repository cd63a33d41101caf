/**
 * The detail pane of an HTTP/2 exchange against a real core: a Node http2 client sends a request through the
 * proxy to an h2 origin that answers with trailers; the Overview names the stream and the client connection,
 * the Request and Response tabs show the pseudo-headers apart from the headers and the trailers after the body.
 * Screenshots in light and dark go to HINDSIGHT_SCREENSHOTS when set (for a person to look at).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startH2Origin, h2Request, h2ThroughProxy, type H2Origin } from '../../helpers/h2';
import { themeScreenshots } from '../../helpers/theme-screenshots';
import { row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

describe('HTTP/2 in the detail pane', () => {
  const session = useToolsSession();
  let origin: H2Origin;

  before(async () => {
    origin = await startH2Origin();
  });
  after(() => origin.close());

  test('stream and connection in the Overview; pseudo-headers apart; trailers after the body', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const test = bed.harness.test;
    const client = await h2ThroughProxy(test.port, 'h2.test', origin.tlsPort, test.caPem);
    try {
      await h2Request(client, { ':method': 'POST', ':path': '/trailers?n=1', 'content-type': 'text/plain', 'x-request-id': 'r-17' }, 'hello');
    } finally {
      client.close();
    }
    await page.click(row('/trailers?n=1'));
    await page.waitForSelector('[data-testid=http2-stream]', WAIT);
    const stream = await page.textContent('[data-testid=http2-stream]');
    assert.match(stream ?? '', /^stream 1 · client connection 127\.0\.0\.1:\d+$/);
    await themeScreenshots(page, 'http2-overview');

    const tables = async () =>
      page.$$eval('section.headers', (sections) =>
        sections.map((s) => [
          (s.querySelector('h4') as unknown as { textContent: string }).textContent.replace(/\s+\d+$/, '').trim(),
          [...s.querySelectorAll('tr')].map((tr) => [(tr.querySelector('th') as unknown as { textContent: string }).textContent, (tr.querySelector('td') as unknown as { textContent: string }).textContent]),
        ]),
      );
    await page.click('[role=tab]:has-text("Request")');
    await page.waitForSelector('section.headers h4:has-text("Pseudo-headers")', WAIT);
    const request = await tables();
    await page.click('[role=tab]:has-text("Response")');
    await page.waitForSelector('section.headers h4:has-text("Trailers")', WAIT);
    const response = await tables();
    const date = (response[1][1] as string[][]).find(([n]) => n === 'date')?.[1];
    assert.deepEqual(
      { request, response },
      {
        request: [
          ['Pseudo-headers', [[':method', 'POST'], [':path', '/trailers?n=1'], [':authority', `h2.test:${origin.tlsPort}`], [':scheme', 'https']]],
          ['Request headers', [['content-type', 'text/plain'], ['x-request-id', 'r-17']]],
        ],
        response: [
          ['Pseudo-headers', [[':status', '200']]],
          ['Response headers', [['content-type', 'text/plain'], ['date', date]]],
          ['Trailers', [['x-checksum', 'abc'], ['x-count', '2']]],
        ],
      },
    );
    await themeScreenshots(page, 'http2-response');
  });
});
