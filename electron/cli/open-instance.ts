/**
 * The API of a data dir for a command that needs more than reading files (session replay, the MCP server):
 * the running instance that holds the dir (its lock file names its API), or else a core started here on an
 * ephemeral loopback proxy port, holding the dir's lock while it runs, answered in memory. Either way the
 * caller gets one ApiClient and the same behaviour.
 */
import fs from 'node:fs';
import type { DisposableApiClient } from '../common/api-client';
import { createCore, createTeamCore } from '../core/core';
import type { AnyCore } from '../core/core-types';
import { notAFolder } from '../core/export/source';
import { dataPaths } from '../core/paths';
import { createApiServerSide } from '../core/api/dispatcher';
import { createApiHandlers } from '../core/api/handlers';
import { acquireLock, connectToRunning, LockHeldError, readLock } from '../core/instance/lock';
import { connectInMemory } from '../core/api/transport.memory';

export interface OpenedInstance {
  client: DisposableApiClient;
  /** True when this process started the core (no instance was running). */
  local: boolean;
  /** The proxy's address, when started here. */
  proxyPort?: number;
  warnings: string[];
  close(): Promise<void>;
}

export interface OpenInstanceOptions {
  version: string;
  /** Refuse to start a core where no flows were ever stored (default true): nothing to work on. */
  requireFlows?: boolean;
  /** A postgres:// URL: the core started here keeps its flows there (the data folder still holds the CA). */
  storeUrl?: string;
}

/** The opened API, or a sentence for the user saying why not. */
export async function openInstance(dataDir: string, options: OpenInstanceOptions): Promise<OpenedInstance | { problem: string }> {
  const holder = readLock(dataDir);
  if (holder) {
    const client = await connectToRunning(dataDir);
    if (!client) return { problem: `a running hindsight (pid ${holder.pid}) holds ${dataDir}, but its API on port ${holder.uiPort} does not answer.` };
    return { client, local: false, warnings: [], close: async () => client.dispose() };
  }
  if (!options.storeUrl && (options.requireFlows ?? true) && !fs.existsSync(dataPaths(dataDir).flowsDb)) return { problem: notAFolder(dataDir) ?? `no flows stored in ${dataDir}` };
  let core: AnyCore;
  try {
    const coreOptions = { dataDir, host: '127.0.0.1', port: 0, version: options.version };
    // A core started for one command never trims a shared store: retention is the serving nodes' setting.
    core = options.storeUrl ? await createTeamCore({ ...coreOptions, storeUrl: options.storeUrl, store: { maxFlows: Infinity } }) : await createCore(coreOptions);
  } catch (err) {
    return { problem: `cannot start a proxy here: ${firstLine(err)}` };
  }
  let lock;
  try {
    lock = acquireLock(dataDir, { uiHost: '127.0.0.1', uiPort: 0, token: '', proxyPort: core.proxyAddress().port });
  } catch (err) {
    await core.dispose();
    if (!(err instanceof LockHeldError)) throw err;
    return { problem: `${err.message}; try again, it will be asked instead.` };
  }
  try {
    await core.store.ready;
  } catch (err) {
    await core.dispose();
    lock.release();
    throw err;
  }
  const server = createApiServerSide(createApiHandlers(core), core);
  const client = connectInMemory(server);
  return {
    client,
    local: true,
    proxyPort: core.proxyAddress().port,
    warnings: core.store.warnings(),
    async close() {
      client.dispose();
      server.dispose();
      await core.dispose();
      lock.release();
    },
  };
}

/** One line for the user: the error's own message, or its cause's when it wraps a file-system error. */
function firstLine(err: unknown): string {
  const e = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
