import { createApiHandlers } from '../../../electron/core/api/handlers';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { apiSuite } from './suite';

apiSuite('the in-memory transport', async (core) => {
  const server = createApiServerSide(createApiHandlers(core), core);
  // Flushes are shared by every subscriber, so a second subscriber counts the batches the client gets.
  let batches = 0;
  const counter = server.subscribe(() => batches++);
  const client = connectInMemory(server);
  return {
    client,
    batches: () => batches,
    async close() {
      client.dispose();
      counter.dispose();
      server.dispose();
    },
  };
});
