/**
 * The composition root: every shell (Electron main, `hindsight serve`, tests) calls createCore() and gets the
 * CA, the flow store and the capture proxy wired together, and one dispose() that releases them all.
 */
import { loadOrCreateCa } from '../../certs';
import type { Status } from '../common/api';
import { ipInAnyRange, parseIpRange, type IpRange } from '../common/cidr';
import { Emitter, type Disposable } from '../common/events';
import { toLogLine } from '../common/log-line';
import { startCaptureProxy, type CaptureProxy } from './capture/proxy';
import type { AnyCore, Core, CoreOptions, TeamCoreOptions } from './core-types';
import { dataPaths } from './paths';
import { createRules, type RulesOptions } from './rules';
import { createConditions } from './conditions';
import { createReplayService } from './replay';
import { ReplayMarks } from './capture/replay-marks';
import { openFlowStore } from './store';
import { openPgStore } from './store/pg/pg-store';
import { teamRulesOptions } from './rules/pg-team-rules';
import type { AnyFlowStore } from './store/types';
import { createUpstreamCaService, upstreamCaSetting } from './capture/upstream-ca';
import { Recorder } from './capture/recorder';
import { createInspectService, inspectSettingsFile } from './inspect/service';
import { ProtoSchemas } from './grpc/schema';
import { grpcSettingsFile, readProtoFolders } from './grpc/settings';
import { createHttp2Service, http2SettingFile, readHttp2Setting } from './capture/h2/setting';
import { mkdirPrivate, tightenDataDir } from './private-files';
import { UsersFile } from './users/users-file';
import { DeviceBindingsFile } from './devices/bindings-file';
import { PgUsers } from './users/pg-store';
import { PgDeviceBindings } from './devices/pg-store';
import type { UserDirectory } from './users/types';
import type { DeviceBindings } from './devices/types';
import { createDeviceBinder } from './devices/binder';
import { serveBindPage } from './devices/bind-page';
import { CoreMetrics } from './metrics/collector';

export const DEFAULT_PROXY_HOST = '127.0.0.1';
export const DEFAULT_PROXY_PORT = 8080;

const LOOPBACK: IpRange[] = ['127.0.0.0/8', '::1/128'].map(rangeOf);
const THIS_MACHINE: IpRange[] = ['127.0.0.1', '::1'].map(rangeOf);

export async function createCore(options: CoreOptions): Promise<Core> {
  return buildCore(options, (dataDir) => openFlowStore({ ...options.store, dataDir }));
}

/** A core on the PostgreSQL store at options.storeUrl (`serve --store postgres://…`), one node of a team. */
export async function createTeamCore(options: TeamCoreOptions): Promise<AnyCore> {
  return buildCore(
    options,
    () => openPgStore({ ...options.store, url: options.storeUrl, node: options.node }),
    // Rules, profiles, settings, hit counters and paused exchanges in the same database, shared by every node.
    (store) => teamRulesOptions(store, options.storeUrl),
    // Users, bind codes and bound devices too: a user added on one node signs in on all.
    async (store) => ({
      users: await PgUsers.open(store.pool, options.storeUrl, { listen: true, warn: (m) => store.warn(m) }),
      bindings: new PgDeviceBindings(store.pool),
    }),
  );
}

/** Where a core keeps its users and device bindings. */
type PeopleStores = { users: UserDirectory; bindings: DeviceBindings };

async function buildCore<S extends AnyFlowStore>(
  options: CoreOptions,
  openStore: (dataDir: string) => S | Promise<S>,
  teamRules?: (store: S) => Partial<RulesOptions>,
  people?: (store: S) => Promise<PeopleStores>,
): Promise<Core<S>> {
  const paths = dataPaths(options.dataDir);
  mkdirPrivate(paths.dataDir);
  // Stores written before files were made owner-only (or by hand) are tightened once here (issue 14).
  const tightened = tightenDataDir(paths.dataDir);
  const startupNotices: string[] = tightened > 0 ? [`Data folder: made ${tightened} ${tightened === 1 ? 'entry' : 'entries'} under ${paths.dataDir} owner-only (files 0600, folders 0700)`] : [];
  const host = options.host ?? DEFAULT_PROXY_HOST;
  const allowList = options.allowClient ?? clientAllowList(host, options.allow ?? []);
  // Replays connect to the proxy from this machine; on a LAN address their source is that address itself.
  const allowClient = allowList && ((ip: string) => ip === host || allowList(ip));
  // The data folder's upstream-ca.pem (capture/upstream-ca.ts) is read first: a bad one stops the start.
  const savedUpstreamCa = upstreamCaSetting(paths.dataDir)?.certs ?? [];
  const upstreamCa = [...(options.upstreamCa ?? []), ...savedUpstreamCa];
  // HTTP/2 as set in Settings (<data>/http2.json); `serve --http2` wins for its run.
  const savedHttp2 = readHttp2Setting(http2SettingFile(paths.dataDir));
  if (savedHttp2.error) startupNotices.push(`HTTP/2: ${savedHttp2.error}`);
  // The CA's load waits mostly on the leaf key's generation (off the main thread, tens to hundreds of ms):
  // the store, rules and users open meanwhile, which pays for the start's warm-up of the proxy's upstream side
  // (capture/warm-up.ts): the proxy is announced no later than before it.
  const caLoading = loadOrCreateCa(paths.caDir);
  caLoading.catch(() => {});
  let store: S;
  try {
    store = await openStore(paths.dataDir);
  } catch (err) {
    // A data folder that refuses both is named by the CA's error, as when the CA was loaded first.
    await caLoading;
    throw err;
  }
  // Listened to at once: the store can fail while the CA is still loading, before the proxy starts (/healthz
  // must then say so). `ready` keeps an open failure that fired before this line. The first problem is the
  // cause: a worker that could not open the datafile also exits after saying so.
  let storeProblem: string | undefined;
  const storeFailed = store.onDidFail?.((err) => (storeProblem ??= err.message));
  store.ready.catch((err: Error) => (storeProblem ??= err.message));
  // gRPC schemas: the `serve --proto` folders, and those set in Settings (<data>/grpc.json).
  const protos = new ProtoSchemas(options.protoDirs ?? []);
  const rules = createRules({ dataDir: paths.dataDir, breakpointTimeoutMs: options.breakpointTimeoutMs, protos, ...teamRules?.(store) });
  const replays = new ReplayMarks();
  const conditions = createConditions(rules);
  // Team mode (issue 21): users, device bindings and the counters behind /metrics.
  let stores: PeopleStores;
  try {
    stores = people ? await people(store) : { users: new UsersFile(paths.dataDir, { watch: true }), bindings: new DeviceBindingsFile(paths.dataDir) };
  } catch (err) {
    await rules.close();
    await store.close();
    throw err;
  }
  const users = stores.users;
  const devices = createDeviceBinder({ store: stores.bindings, rules: rules.store, users });
  const metrics = new CoreMetrics();
  /** The UI/API port(s) of this instance: the proxy refuses requests to them (issue 14). */
  const ownPorts = new Set<number>();
  let proxy: CaptureProxy;
  let ca: Awaited<typeof caLoading>;
  try {
    ca = await caLoading;
    proxy = await startCaptureProxy({
      host,
      port: options.port ?? DEFAULT_PROXY_PORT,
      ca,
      sink: store,
      bodies: store.bodies,
      messages: store.messages,
      nextSeq: () => store.nextSeq(),
      reverse: options.reverse,
      insecureUpstream: options.insecureUpstream,
      upstreamCa,
      lookup: options.lookup,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
      maxHeaderSize: options.maxHeaderSize,
      rawUtf8Paths: options.rawUtf8Paths,
      allowClient,
      ownPorts,
      onFinished: (flow) => {
        metrics.flowFinished(flow);
        replays.flowFinished(flow);
        options.onLog?.(toLogLine(flow));
        options.onFlowFinished?.(flow);
      },
      rules: rules.pipeline,
      replays,
      conditions: conditions.service,
      http2: options.http2 ?? savedHttp2.mode,
      devicePage: (req, res, clientIp) => serveBindPage(devices, req, res, clientIp),
      socksCredentials: options.socksCredentials,
      dataDir: paths.dataDir,
    });
  } catch (err) {
    devices.dispose();
    await users.dispose();
    await rules.close();
    await store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${options.port ?? DEFAULT_PROXY_PORT} on ${host} is already in use`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`${host} is not an address of this machine`);
    throw err;
  }

  // Upstream-proxy rules naming this Hindsight are refused on save (rules/own-proxy.ts).
  rules.store.setOwnAddress(() => ({ host, ports: [proxy.address().port, ...ownPorts] }));
  metrics.attach({
    openConnections: () => proxy.openConnections(),
    listening: () => proxy.listening(),
    stored: () => store.count(),
    storeWriteLagMs: () => store.writeLagMs?.(),
    storeHealthy: () => (storeProblem ? { ok: false, problem: storeProblem } : { ok: true }),
    ruleHits: () => rules.store.list().map((r) => ({ id: r.rule.id, name: r.rule.name, hits: r.hits })),
    dropped: () => store.dropped(),
    trimmedUnremoved: () => store.trimmedUnremoved?.() ?? 0,
  });
  const replay = createReplayService({ store, marks: replays, caPem: ca.certPem, proxyAddress: () => proxy.address() });
  // Inspector relays record their sessions through a recorder of their own into the same store.
  const inspect = createInspectService({
    recorder: new Recorder({ sink: store, bodies: store.bodies, nextSeq: () => store.nextSeq() }),
    capturing: () => proxy.capturing,
    settingsFile: options.rememberInspectRelays ? inspectSettingsFile(paths.dataDir) : undefined,
  });
  await inspect.restore();
  const upstreamCaService = createUpstreamCaService({
    dataDir: paths.dataDir,
    fromFlags: options.upstreamCa ?? [],
    saved: savedUpstreamCa,
    apply: (certs) => proxy.setUpstreamCa(certs),
  });
  const http2Service = createHttp2Service({ dataDir: paths.dataDir, fromFlag: options.http2, saved: savedHttp2.mode, apply: (on) => proxy.setHttp2(on) });
  const kept = readProtoFolders(grpcSettingsFile(paths.dataDir));
  if (kept.error) startupNotices.push(`Protobuf: ${kept.error}`);
  if (options.protoDirs?.length || kept.folders.length) {
    const loaded = protos.load(kept.folders);
    startupNotices.push(`Protobuf: loaded ${loaded.files} .proto file${loaded.files === 1 ? '' : 's'}`, ...loaded.errors.map((e) => `Protobuf: ${e}`));
  }
  const onDidChangeStatus = new Emitter<Status>();
  const status = (): Status => {
    const address = proxy.address();
    const result: Status = {
      version: options.version ?? 'unknown',
      proxy: { host: address.host, port: address.port, mode: options.reverse ? 'reverse' : 'forward' },
      capture: proxy.capturing,
      stored: store.count(),
      caPath: ca.certPath,
      dataDir: paths.dataDir,
      warnings: store.warnings(),
    };
    if (options.reverse) result.proxy.reverseTarget = options.reverse;
    const lastTrim = store.lastTrim();
    if (lastTrim) result.lastTrim = lastTrim;
    result.conditions = conditions.summary();
    const dropped = store.dropped();
    if (dropped) result.dropped = dropped;
    const suppressedFailures = proxy.suppressedFailures();
    if (suppressedFailures) result.suppressedFailures = suppressedFailures;
    return result;
  };
  // The store's events are batched (one per flush), so following them costs little.
  const subscriptions: Disposable[] = [store.onDidWarn, store.onDidTrim, store.onDidAdd, store.onDidRemove, rules.store.onDidChange].map((event) =>
    (event as (listener: () => void) => Disposable)(() => {
      if (onDidChangeStatus.hasListeners) onDidChangeStatus.fire(status());
    }),
  );
  // Exchanges dropped while the store is behind (batched by the store, at most every 50 ms).
  subscriptions.push(
    store.onDidDrop(() => {
      if (onDidChangeStatus.hasListeners) onDidChangeStatus.fire(status());
    }),
  );
  // Early failures held back by their rate limit: no flow tells of them (announced at most once a second).
  subscriptions.push(
    proxy.onDidSuppressFailure(() => {
      if (onDidChangeStatus.hasListeners) onDidChangeStatus.fire(status());
    }),
  );

  let disposing: Promise<void> | undefined;
  return {
    dataDir: paths.dataDir,
    ca,
    store,
    rules,
    replay,
    conditions,
    async setConditionsEnabled(enabled) {
      await conditions.setEnabled(enabled);
      onDidChangeStatus.fire(status());
      return status();
    },
    inspect,
    upstreamCa: upstreamCaService,
    http2: http2Service,
    proxyAddress: () => proxy.address(),
    get webSockets() {
      return proxy.webSockets;
    },
    startupNotices,
    users,
    devices,
    metrics,
    protos,
    addOwnPort: (port) => void ownPorts.add(port),
    admitsClient: (ip) => !allowClient || allowClient(ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip),
    setCapture(enabled) {
      if (proxy.capturing === enabled) return;
      proxy.setCapture(enabled);
      onDidChangeStatus.fire(status());
    },
    status,
    onDidChangeStatus: onDidChangeStatus.event,
    dispose() {
      disposing ??= (async () => {
        for (const s of subscriptions) s.dispose();
        storeFailed?.dispose();
        onDidChangeStatus.dispose();
        // Replays in flight first: the proxy then records them as aborted rather than cut.
        replay.dispose();
        await inspect.dispose();
        await proxy.dispose();
        // Users before the store: on PostgreSQL their listener closes before the pool the store owns.
        devices.dispose();
        await users.dispose();
        // After the proxy: its closed client sockets have released every breakpoint pause.
        await rules.close();
        await store.close();
      })();
      return disposing;
    },
  };
}

/**
 * Who may use the proxy. Listening on loopback with no list: every (necessarily local) client. Otherwise this
 * machine (127.0.0.1, ::1) and the listed addresses only, so listening on a LAN address never opens the proxy
 * to a whole network by accident. Throws on a malformed entry.
 */
export function clientAllowList(host: string, allow: string[]): ((ip: string) => boolean) | undefined {
  const ranges = [...THIS_MACHINE, ...allow.map(rangeOf)];
  if (allow.length === 0 && ipInAnyRange(host, LOOPBACK)) return undefined;
  return (ip) => ipInAnyRange(ip, ranges);
}

function rangeOf(text: string): IpRange {
  const parsed = parseIpRange(text);
  if (!parsed.ok) throw new Error(`--allow ${text}: ${parsed.error}`);
  return parsed.range;
}
