/**
 * gRPC in the UI against a real core: gRPC-Web calls (a real origin, undici fetch through the proxy) appear in
 * the list; the overview shows the call's service, method and status; the Messages tab lists each message with
 * its direction and a one-line summary, and the selected one as its protobuf field tree, with field names once
 * the .proto folder is loaded. Screenshots go to HINDSIGHT_SCREENSHOTS when set.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetch } from 'undici';
import type { PageGlobals } from '../../helpers/browser';
import { PROTO_DIR, grpcFrame, loadDemoProto, startGrpcWebOrigin, type GrpcWebOrigin } from '../../helpers/grpc-web';
import { themeScreenshots } from '../../helpers/theme-screenshots';
import { row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';
import { proxyAgent } from '../../integration/capture/clients';

describe('gRPC messages', () => {
  const session = useToolsSession();
  let origin: GrpcWebOrigin;
  const { HelloRequest } = loadDemoProto();

  before(async () => {
    origin = await startGrpcWebOrigin();
  });
  after(async () => {
    await origin.close();
  });

  async function call(method: string, request: Record<string, unknown>): Promise<void> {
    const agent = proxyAgent(session.bed.harness.test.proxyUrl, session.bed.harness.test.caPem, { tunnel: false });
    try {
      const res = await fetch(`http://grpc.test:${origin.port}/demo.v1.Greeter/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
        body: grpcFrame(0, HelloRequest.encode(HelloRequest.fromObject(request)).finish()),
        dispatcher: agent,
      });
      await res.arrayBuffer();
    } finally {
      await agent.close();
    }
  }

  const rows = (page: typeof session.page) =>
    page.$$eval('[data-testid=message-row]', (els) =>
      els.map((e) => [e.getAttribute('data-dir'), (e.querySelector('.kind') as unknown as { textContent: string }).textContent, (e.querySelector('.preview') as unknown as { textContent: string }).textContent]),
    );

  test('a unary call: status in the overview, messages as field trees, schema-less until the .proto is loaded', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    const { core } = session.bed.harness;
    core.protos.load([]);
    await call('SayHello', { name: 'Ada', times: 3, mood: 'GRUMPY', inner: { note: 'nested', code: 7 }, tags: { team: 4 }, ratio: 0.25 });
    await page.click(row('/demo.v1.Greeter/SayHello'));
    await page.waitForSelector('[data-testid=grpc-status]:has-text("0 OK")', WAIT);

    await page.click('[data-testid=messages-tab]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length === 2, undefined, WAIT);
    assert.deepEqual(await rows(page), [
      ['to-server', 'grpc', '1: "Ada", 2: 3, 5: 2, 6: {…}, 7: {…}, 8: 4598175219545276416'],
      ['to-client', 'grpc', '1: "Hello, Ada", 2: 9007199254740993, 3: 1'],
    ]);

    // With the .proto folder loaded, the same stored messages read with names.
    core.protos.load([PROTO_DIR]);
    await page.reload();
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
    await page.click(row('/demo.v1.Greeter/SayHello'));
    await page.click('[data-testid=messages-tab]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length === 2, undefined, WAIT);
    assert.deepEqual(await rows(page), [
      ['to-server', 'grpc', 'name: "Ada", times: 3, mood: GRUMPY, inner: {…}, tags: {…}, ratio: 0.25'],
      ['to-client', 'grpc', 'message: "Hello, Ada", count: 9007199254740993, mood: HAPPY'],
    ]);
    await page.locator('[data-testid=message-row]').first().click();
    await page.waitForSelector('[data-testid=message-detail] [data-testid=proto-tree]', WAIT);
    const tree = await page.textContent('[data-testid=proto-tree]');
    assert.ok(tree?.includes('demo.v1.HelloRequest') && tree.includes('nested') && tree.includes('team'), tree ?? '');
    await themeScreenshots(page, 'grpc-messages');
  });

  test('a streaming call that ends UNAVAILABLE: the overview names the status and its message', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    session.bed.harness.core.protos.load([PROTO_DIR]);
    await call('SayMany', { name: 'Bo' });
    await page.click(row('/demo.v1.Greeter/SayMany'));
    await page.waitForSelector('[data-testid=grpc-status]:has-text("14 UNAVAILABLE")', WAIT);
    assert.equal(await page.getAttribute(`${row('/demo.v1.Greeter/SayMany')} [data-testid=row-grpc-status]`, 'title'), 'gRPC status 14 UNAVAILABLE');
    const section = await page.textContent('[data-testid=grpc-section]');
    assert.ok(section?.includes('backend gone') && section.includes('demo.v1.Greeter') && section.includes('SayMany'), section ?? '');
    await themeScreenshots(page, 'grpc-overview');
  });

  test('Settings loads a .proto folder; a gRPC mock written in the rule editor answers the call', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    const { core } = session.bed.harness;
    core.protos.load([]);
    await page.click('[data-testid=open-settings]');
    await page.click('[data-testid=settings-tab-protos]');
    await page.fill('[data-testid=proto-folders]', `${PROTO_DIR}\n/nonexistent/protos`);
    await page.click('[data-testid=proto-save]');
    await page.waitForSelector('[role=alert]:has-text("/nonexistent/protos: no such folder")', WAIT);
    await page.fill('[data-testid=proto-folders]', PROTO_DIR);
    await page.click('[data-testid=proto-save]');
    await page.waitForSelector('[data-testid=proto-loaded]:has-text("2 .proto files loaded")', WAIT);
    assert.deepEqual(core.protos.info(), { folders: [PROTO_DIR], fixed: [], files: 2, errors: [] });
    await themeScreenshots(page, 'grpc-settings');
    await page.keyboard.press('Escape');

    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Greeter down');
    await page.fill('[data-testid=matcher-pattern]', '*/demo.v1.Greeter/SayHello');
    await page.check('[data-testid=grpc-mock-on]');
    await page.selectOption('[data-testid=grpc-mock-status]', '14');
    await page.fill('[data-testid=grpc-mock-message]', 'maintenance');
    await page.fill('[data-testid=grpc-mock-json]', '{"message": "from the mock"}');
    await page.waitForSelector('[data-testid=rule-explanation]:has-text("Answer gRPC 14 UNAVAILABLE with a reply")', WAIT);
    await themeScreenshots(page, 'grpc-mock-editor');
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Greeter down")', WAIT);
    await page.keyboard.press('Escape');

    await call('SayHello', { name: 'Cy' });
    await page.click(row('/demo.v1.Greeter/SayHello'));
    await page.waitForSelector('[data-testid=grpc-status]:has-text("14 UNAVAILABLE")', WAIT);
    await page.click('[data-testid=messages-tab]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length === 2, undefined, WAIT);
    assert.deepEqual(await rows(page), [
      ['to-server', 'grpc', 'name: "Cy"'],
      ['to-client', 'grpc', 'message: "from the mock"'],
    ]);
  });
});
