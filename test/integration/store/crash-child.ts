/**
 * Run by crash.test.ts in its own process: opens a store in the given data dir (argv: dir, maxFlows,
 * trimCount) and captures flows until it is killed, printing "<id> <epoch ms when the flow finished>" for
 * each finished flow. Capture starts at once, before the store has loaded, as the proxy's does.
 */
import { openFlowStore } from '../../../electron/core/store';
import { makeFlow } from '../../helpers/flows';

function main(): void {
  const store = openFlowStore({ dataDir: process.argv[2], maxFlows: Number(process.argv[3]), trimCount: Number(process.argv[4]) });
  process.stdout.write('started\n');
  let rounds = 0;
  // Bounded: ends by itself after 20 s if nobody kills it.
  const timer = setInterval(() => {
    for (let i = 0; i < 10; i++) {
      const seq = store.nextSeq();
      const flow = makeFlow({ response: true, id: `c${seq}`, seq, client: { ip: '127.0.0.2', port: 40000 + (seq % 1000) } });
      store.flowStarted({ ...flow, state: 'live', response: undefined, timings: {} });
      store.flowUpdated(flow);
      process.stdout.write(`${flow.id} ${Date.now()}\n`);
    }
    if (++rounds >= 2000) {
      clearInterval(timer);
      void store.close();
    }
  }, 10);
}
main();
