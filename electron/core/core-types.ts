/**
 * The composition root's contract: every shell (Electron main, `hindsight serve`, tests) calls
 * createCore(options) from electron/core/core.ts and gets these services + dispose().
 */
import type { LookupFunction } from 'node:net';
import type { Status } from '../common/api';
import type { Event } from '../common/events';
import type { LogLine } from '../common/log-line';
import type { Flow } from '../common/flow';
import type { CertificateAuthority } from '../../certs/types';
import type { Conditions } from './conditions/index';
import type { ReplayService } from './replay/index';
import type { RulesService } from './rules/index';
import type { AnyFlowStore, FlowStore, StoreOptions } from './store/types';
import type { InspectService } from './inspect/service';
import type { UpstreamCaService } from './capture/upstream-ca';
import type { LiveWebSockets } from './capture/websocket/registry';
import type { UserDirectory } from './users/types';
import type { DeviceBinder } from './devices/binder';
import type { CoreMetrics } from './metrics/collector';
import type { ProtoSchemas } from './grpc/schema';
import type { Http2Service } from './capture/h2/setting';

export interface CoreOptions {
  dataDir: string;
  /** Proxy listen address; default 127.0.0.1. */
  host?: string;
  /** Proxy port; default 8080; 0 picks a free port. */
  port?: number;
  /** Reverse mode: every request on the proxy port goes to this origin (http://host:port or https://…). */
  reverse?: string;
  /** The app's version, reported by status() (the CLI reads package.json, Electron main app.getVersion()). */
  version?: string;
  /** How long a request waits for response headers (connecting included), in ms (default 300,000): then 504 / a failed flow. */
  upstreamTimeoutMs?: number;
  /** Cut a response body quiet this long, in ms (off by default: SSE, long-polls and slow streams are never cut). */
  bodyIdleTimeoutMs?: number;
  /** The largest request and response header section the proxy accepts, in bytes (default 64 KB). */
  maxHeaderSize?: number;
  /**
   * Read every HTTP/1.1 client connection through the request-target encoder (`serve --raw-utf8-paths`). Raw
   * UTF-8 targets are taken without it: only the connection that sends one moves to the encoder.
   */
  rawUtf8Paths?: boolean;
  /** Skip upstream certificate verification (off by default). */
  insecureUpstream?: boolean;
  /** HTTP/2 with clients and origins ('auto', the default) or HTTP/1.1 only ('off'): `serve --http2`. */
  http2?: 'auto' | 'off';
  /** Extra CA certificates (PEM) trusted for upstream TLS, besides the system roots. */
  upstreamCa?: string[];
  /** DNS lookup for upstream connections (tests resolve *.test here, never through /etc/hosts). */
  lookup?: LookupFunction;
  /** Clients allowed to use the proxy (IPs/CIDRs) when listening beyond loopback. */
  allow?: string[];
  /**
   * Decides per new client connection instead of `allow` (false refuses it). The desktop app's LAN
   * allow-list uses it: the list changes without a restart, and refused addresses are recorded for the
   * UI's one-click "allow". Passed to the capture proxy's `allowClient`.
   */
  allowClient?: (ip: string) => boolean;
  /** SOCKS5 clients on the proxy port must give this username and password (for LAN use); absent: none asked. */
  socksCredentials?: { username: string; password: string };
  store?: Omit<StoreOptions, 'dataDir'>;
  /** How long a breakpoint pause waits before continuing unchanged (default: the stored setting, else 5 min). */
  breakpointTimeoutMs?: number;
  /** One structured line per finished flow (`hindsight serve --log`). */
  onLog?: (line: LogLine) => void;
  /** Remember inspector relays in <data>/inspect.json and start them again with the core (the desktop app). */
  rememberInspectRelays?: boolean;
  /**
   * Every finished flow, as the proxy finishes it (`hindsight serve --log-bodies`: electron/core/log reads
   * its bodies afterwards). Must return at once; the flow must not be modified.
   */
  onFlowFinished?: (flow: Flow) => void;
  /** Folders of .proto files (`serve --proto DIR`): gRPC messages get field names (electron/core/grpc). */
  protoDirs?: string[];
}

/** A core on the embedded store (the default: tests and the desktop app) or on any store (AnyCore). */
export interface Core<S extends AnyFlowStore = FlowStore> {
  readonly dataDir: string;
  readonly ca: CertificateAuthority;
  readonly store: S;
  /** Rules, device profiles and breakpoints (electron/core/rules); the proxy runs its pipeline. */
  readonly rules: RulesService;
  /** Sends stored or composed requests again through the proxy (electron/core/replay). */
  readonly replay: ReplayService;
  /** Network conditions per device and their global switch (electron/core/conditions). */
  readonly conditions: Conditions;
  /** Node inspector relays (electron/core/inspect); their debugging sessions are recorded as WebSocket flows. */
  readonly inspect: InspectService;
  /** Private CAs trusted for servers' TLS: the data folder's setting, changed while running (capture/upstream-ca.ts). */
  readonly upstreamCa: UpstreamCaService;
  /** HTTP/2 on/off as set in Settings, applied to new connections (capture/h2/setting.ts). */
  readonly http2: Http2Service;
  proxyAddress(): { host: string; port: number };
  /** The global network-conditions switch (persisted); the new status. */
  setConditionsEnabled(enabled: boolean): Promise<Status>;
  /** Open WebSockets by flow id: sending a message into one (electron/core/capture/websocket/registry.ts). */
  readonly webSockets: LiveWebSockets;
  /** Lines for the log from the start (e.g. the data folder's permissions were tightened). */
  readonly startupNotices: readonly string[];
  /** The loaded .proto schemas, for decoding gRPC messages and building mock answers (electron/core/grpc). */
  readonly protos: ProtoSchemas;
  /** Another port of this instance (the UI server's): requests through the proxy to it are refused. */
  addOwnPort(port: number): void;
  /** Whether this client address may use the proxy (the allow-list); the UI port applies the same decision. */
  admitsClient(ip: string): boolean;
  /** Capture on: flows are recorded. Off: traffic is forwarded but not stored. */
  setCapture(enabled: boolean): void;
  status(): Status;
  readonly onDidChangeStatus: Event<Status>;
  /** Named users and their tokens (team mode, electron/core/users); empty in single-user mode. */
  readonly users: UserDirectory;
  /** Device bind codes and the bind page's bindings (electron/core/devices). */
  readonly devices: DeviceBinder;
  /** Counters for GET /metrics and /healthz (electron/core/metrics). */
  readonly metrics: CoreMetrics;
  /** Closes the proxy, flushes the store, releases every socket, timer and file. */
  dispose(): Promise<void>;
}

/** A core on any store: what `serve` (which may run on PostgreSQL) hands to the API and the UI server. */
export type AnyCore = Core<AnyFlowStore>;

/** A core whose flows live in PostgreSQL (createTeamCore, issue 21); the data folder keeps the CA and the rules. */
export interface TeamCoreOptions extends CoreOptions {
  /** postgres:// URL of the shared store. */
  storeUrl: string;
  /** This node's name, recorded on every flow it captures. */
  node?: string;
}
