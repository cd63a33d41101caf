/**
 * Recorder.begin asks the sink whether it can take another flow (issue 16): a store that is behind sheds the
 * exchange (forwarded unrecorded), never the proxy. Real requests on loopback and a real BodyStore; the sink is
 * the smallest one the CaptureSink contract allows, counting what it is given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Flow } from '../../../../electron/common/flow';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Recorder } from '../../../../electron/core/capture/recorder';
import { BodyStore } from '../../../../electron/core/store/bodies';
import type { Target } from '../../../../electron/core/capture/target';

test('a sink that refuses gets no flow and the request is not recorded; a replay is recorded all the same', async () => {
  const started: string[] = [];
  let accept = false;
  let asked = 0;
  let seq = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const recorder = new Recorder({
    sink: {
      flowStarted: (flow: Flow) => void started.push(flow.request.url),
      flowUpdated: () => {},
      admit: () => (asked++, accept),
    },
    bodies: new BodyStore({ dir }),
    nextSeq: () => ++seq,
  });
  const outcomes: string[] = [];
  const server = http.createServer((req, res) => {
    const target: Target = { secure: false, host: '127.0.0.1', port: 80, path: req.url!, url: `http://127.0.0.1${req.url}`, tunnelled: false };
    const replay = req.url === '/replay' ? { replayOf: 'f1', bypassRules: false } : undefined;
    outcomes.push(`${req.url} ${recorder.begin(req, target, { ip: '127.0.0.1', port: 1 }, target.url, replay) ? 'recorded' : 'not recorded'}`);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path, agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject));
  try {
    await get('/refused');
    await get('/replay');
    accept = true;
    await get('/taken');
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(
    { outcomes, started, asked },
    { outcomes: ['/refused not recorded', '/replay recorded', '/taken recorded'], started: ['http://127.0.0.1/replay', 'http://127.0.0.1/taken'], asked: 2 },
  );
});
