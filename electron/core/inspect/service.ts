/**
 * The relays one Hindsight instance runs (the Inspector view's list): start, stop, list. The core owns it, so
 * sessions are recorded into its store; the desktop app passes a settings file and gets its relays back at
 * the next start (inspect.json in the data dir). A remembered relay that cannot start again (its port is
 * taken) stays listed with the reason, so the user can retry or remove it.
 */
import path from 'node:path';
import { ApiError } from '../../common/api';
import { Emitter } from '../../common/events';
import { chromeDevtoolsUrl, devtoolsUrl, vscodeLaunchConfig, type InspectState, type RelayConfig, type RelayInfo } from '../../common/inspect';
import type { Recorder } from '../capture/recorder';
import { readJsonFile, writeJsonFile } from '../base/json-file';
import { checkRelayConfig } from './config';
import { startRelay, type Relay } from './relay';

export function inspectSettingsFile(dataDir: string): string {
  return path.join(dataDir, 'inspect.json');
}

export interface InspectServiceOptions {
  recorder: Recorder;
  capturing: () => boolean;
  /** Where relays are remembered (the desktop app); absent: nothing is written (serve, tests). */
  settingsFile?: string;
  pollMs?: number;
  waitMs?: number;
  onError?: (message: string) => void;
}

interface Entry {
  config: RelayConfig;
  relay?: Relay;
  error?: string;
}

export interface InspectService {
  list(): InspectState;
  /** Starts a relay (or restarts a remembered one that failed) on config.port; refuses a port already relayed. */
  start(config: RelayConfig): Promise<RelayInfo>;
  /** Stops and forgets the relay on `port`. */
  stop(port: number): Promise<boolean>;
  /** Starts the relays remembered in the settings file (desktop start). */
  restore(): Promise<void>;
  readonly onDidChange: (listener: () => void) => { dispose(): void };
  dispose(): Promise<void>;
}

export function createInspectService(options: InspectServiceOptions): InspectService {
  const entries: Entry[] = [];
  const changed = new Emitter<void>();
  const save = () => {
    if (!options.settingsFile) return;
    try {
      writeJsonFile(options.settingsFile, { relays: entries.map((e) => e.config) });
    } catch (err) {
      options.onError?.(`could not remember the inspector relays: ${(err as Error).message}`);
    }
  };
  const infoOf = (entry: Entry): RelayInfo => {
    if (entry.relay) return entry.relay.info();
    const { host, port } = entry.config;
    const info: RelayInfo = {
      ...entry.config,
      running: false,
      devtoolsUrl: devtoolsUrl(host, port),
      chromeDevtoolsUrl: chromeDevtoolsUrl(host, port),
      vscodeLaunch: vscodeLaunchConfig(host, port),
      processes: [],
    };
    if (entry.error) info.error = entry.error;
    return info;
  };
  const launch = async (entry: Entry): Promise<void> => {
    const checked = checkRelayConfig(entry.config);
    const relay = await startRelay({ checked, recorder: options.recorder, capturing: options.capturing, pollMs: options.pollMs, waitMs: options.waitMs });
    relay.discovery.onDidChange(() => changed.fire());
    relay.onDidChangeSessions(() => changed.fire());
    entry.relay = relay;
    entry.error = undefined;
    // A relay asked for port 0 is remembered with the port it got.
    entry.config = { ...entry.config, port: relay.address().port };
  };
  let disposed = false;

  return {
    list: () => ({ relays: entries.map(infoOf) }),
    async start(config) {
      if (disposed) throw new ApiError('the core is shutting down', 'closed');
      try {
        checkRelayConfig(config);
      } catch (err) {
        throw new ApiError((err as Error).message, 'bad-params');
      }
      let entry = entries.find((e) => e.config.port === config.port && config.port !== 0);
      if (entry?.relay) throw new ApiError(`a relay already runs on port ${config.port}`, 'bad-params');
      if (entry) entry.config = config;
      else entries.push((entry = { config }));
      try {
        await launch(entry);
      } catch (err) {
        entries.splice(entries.indexOf(entry), 1);
        throw new ApiError((err as Error).message, 'relay-failed');
      }
      save();
      changed.fire();
      return infoOf(entry);
    },
    async stop(port) {
      const entry = entries.find((e) => e.config.port === port);
      if (!entry) return false;
      entries.splice(entries.indexOf(entry), 1);
      await entry.relay?.close();
      save();
      changed.fire();
      return true;
    },
    async restore() {
      if (!options.settingsFile) return;
      let configs: RelayConfig[] = [];
      try {
        const data = readJsonFile(options.settingsFile) as { relays?: unknown } | undefined;
        configs = Array.isArray(data?.relays) ? (data.relays as RelayConfig[]) : [];
      } catch (err) {
        options.onError?.(`${(err as Error).message}; no inspector relays restored`);
      }
      for (const config of configs) {
        const entry: Entry = { config };
        entries.push(entry);
        try {
          await launch(entry);
        } catch (err) {
          entry.error = (err as Error).message;
          options.onError?.(`inspector relay on port ${config?.port}: ${entry.error}`);
        }
      }
      if (configs.length) changed.fire();
    },
    onDidChange: changed.event,
    async dispose() {
      disposed = true;
      changed.dispose();
      await Promise.all(entries.map((e) => e.relay?.close()));
    },
  };
}
