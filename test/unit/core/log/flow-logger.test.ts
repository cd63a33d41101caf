import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowLogger } from '../../../../electron/core/log/flow-logger';
import { lineString } from '../../../../electron/core/log/detailed-line';
import { makeFlow } from '../../../helpers/flows';

test('a stalled output bounds the queue: flows past maxPending are counted and reported, the rest go out in order', async () => {
  const written: string[] = [];
  const errors: string[] = [];
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const logger = new FlowLogger({
    // Lines are recorded in the order they are handed over (as a file or stdout writes them), the first one
    // then held up.
    write: async (text) => {
      written.push((JSON.parse(lineString(text)) as { url: string }).url);
      if (first) {
        first = false;
        await stalled;
      }
    },
    read: async () => Buffer.alloc(0),
    // Waits for the output as soon as one line is unwritten.
    writeAhead: 1,
    maxPending: 3,
    onError: (err) => errors.push(err.message),
  });
  const flows = Array.from({ length: 6 }, (_, i) => {
    const flow = makeFlow();
    flow.request.url = `http://a.test/${i}`;
    return flow;
  });
  for (const flow of flows) logger.push(flow);
  release();
  await logger.flush();
  // The first flow was taken off the queue before the output stalled; three more waited; two did not fit.
  assert.deepEqual({ written, errors }, {
    written: ['http://a.test/0', 'http://a.test/1', 'http://a.test/2', 'http://a.test/3'],
    errors: ['2 flows were not logged: the log output could not keep up'],
  });
});

test('a flow finished while the last line is still being written is logged too, and flush() waits for it', async () => {
  const written: string[] = [];
  let release!: () => void;
  const slow = new Promise<void>((resolve) => (release = resolve));
  const logger = new FlowLogger({
    write: async (text) => {
      await slow;
      written.push((JSON.parse(lineString(text)) as { url: string }).url);
    },
    read: async () => Buffer.alloc(0),
  });
  const flowAt = (i: number) => {
    const flow = makeFlow();
    flow.request.url = `http://a.test/${i}`;
    return flow;
  };
  logger.push(flowAt(0));
  // Let the logger hand line 0 to the output and wait for that write, then finish another flow.
  await new Promise((resolve) => setImmediate(resolve));
  logger.push(flowAt(1));
  release();
  await logger.flush();
  assert.deepEqual(written, ['http://a.test/0', 'http://a.test/1']);
});

test('lines are built and handed out as flows finish, without waiting for earlier writes (below the write-ahead bound)', async () => {
  const handed: string[] = [];
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  const logger = new FlowLogger({
    write: (text) => {
      handed.push((JSON.parse(lineString(text)) as { url: string }).url);
      return stalled;
    },
    read: async () => Buffer.alloc(0),
  });
  for (let i = 0; i < 1000; i++) {
    const flow = makeFlow();
    flow.request.url = `http://a.test/${i}`;
    logger.push(flow);
  }
  // Every line is out while the first write still has not completed: no flow is held by the logger.
  await new Promise((resolve) => setImmediate(resolve));
  const before = handed.length;
  release();
  await logger.flush();
  assert.deepEqual({ before, after: handed.length, last: handed.at(-1) }, { before: 1000, after: 1000, last: 'http://a.test/999' });
});

test('bodies the store held when a flow was queued are logged from memory after the store let them go, up to maxPinned bytes', async () => {
  // The store's recent set: five JSON bodies of 20 bytes.
  const recent = new Map<string, Buffer>();
  const flows = Array.from({ length: 5 }, (_, i) => {
    const flow = makeFlow({ response: true });
    flow.request.url = `http://a.test/${i}`;
    const body = Buffer.from(`{"n":${i},"pad":"xxxx"}`);
    flow.response!.body = { size: body.length, storedSize: body.length, truncated: false, contentType: 'application/json', blob: `${flow.id}-response` };
    recent.set(flow.response!.body.blob!, body);
    return flow;
  });
  const readBack: string[] = [];
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  const lines: Array<{ url: string; responseBody: string | null }> = [];
  const logger = new FlowLogger({
    write: (text) => {
      lines.push(JSON.parse(lineString(text)) as { url: string; responseBody: string | null });
      return stalled;
    },
    // The copy on disk differs from the one in memory, so the line says where its body came from.
    read: async (ref) => {
      readBack.push(ref.blob!);
      return Buffer.from('{"from":"disk"}');
    },
    readKept: (ref) => recent.get(ref.blob!),
    bodyLimit: 1024,
    // The first line waits for its write, so the other four queue behind it.
    writeAhead: 1,
    // The first line is built as its flow is queued; of the four behind it, bodies are held while less than
    // 40 bytes are: the next two.
    maxPinned: 40,
  });
  for (const flow of flows) logger.push(flow);
  // The store lets every body go before the queued lines are built.
  recent.clear();
  release();
  await logger.flush();
  assert.deepEqual(
    { lines: lines.map((l) => `${l.url} ${l.responseBody}`), readBack },
    {
      lines: [
        'http://a.test/0 {"n":0,"pad":"xxxx"}',
        'http://a.test/1 {"n":1,"pad":"xxxx"}',
        'http://a.test/2 {"n":2,"pad":"xxxx"}',
        'http://a.test/3 {"from":"disk"}',
        'http://a.test/4 {"from":"disk"}',
      ],
      readBack: [flows[3].response!.body.blob, flows[4].response!.body.blob],
    },
  );
});
