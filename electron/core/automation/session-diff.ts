/**
 * Session diff without sending anything: two recorded sessions — each a HAR file or the stored flows
 * matching a filter — paired up (electron/common/session-match.ts: method + exact path + request-body
 * fingerprint, in order) and their responses compared like a session replay's (the same flow diff, the
 * same report). Which argument is which: see sideSpec().
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { diffFlows, type DiffInput } from '../../common/diff';
import { compileFilter } from '../../common/filter';
import type { Flow } from '../../common/flow';
import { requestPathOf } from '../../common/session-endpoint';
import { matchInOrder } from '../../common/session-match';
import { SessionReportBuilder, differencesOf, pairReport, volatileWith, type ExchangeInfo, type IgnoreSpec, type SessionReport } from '../../common/session-report';
import { parseHar } from '../import/har';
import { matchingIds, type FlowSource } from '../export/source';
import { diffBodyFrom } from '../replay/diff-input';

/**
 * How an argument names a session: `har:PATH` and any path to an existing file are HAR files; `filter:EXPR`
 * and anything else are filters over the stored flows (so a filter that happens to name a file can still
 * be given with the prefix). A `.har` name that does not exist is an error rather than a filter.
 */
export type SideSpec = { kind: 'har'; path: string } | { kind: 'filter'; filter: string };

export class SessionDiffError extends Error {
  override name = 'SessionDiffError';
}

export function sideSpec(arg: string): SideSpec {
  if (arg.startsWith('har:')) return { kind: 'har', path: arg.slice(4) };
  if (arg.startsWith('filter:')) return { kind: 'filter', filter: arg.slice(7) };
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) return { kind: 'har', path: arg };
  if (/\.har$/i.test(arg)) throw new SessionDiffError(`no such file: ${arg}`);
  return { kind: 'filter', filter: arg };
}

/** One exchange of a session: what pairs it, what the report names, and its bodies when compared. */
interface SideExchange {
  key: string;
  info: ExchangeInfo;
  input(): Promise<DiffInput>;
}

export interface Session {
  describe: string;
  exchanges: SideExchange[];
}

const fingerprint = (bytes: Buffer | null) => (bytes && bytes.length ? createHash('sha256').update(bytes).digest('hex').slice(0, 16) : '-');

function infoOf(flow: Flow, stored: boolean): ExchangeInfo {
  const info: ExchangeInfo = { method: flow.request.method, url: flow.request.url };
  if (stored) info.id = flow.id;
  if (flow.response) info.status = flow.response.status;
  if (flow.timings.totalMs !== undefined) info.durationMs = flow.timings.totalMs;
  if (flow.error) info.error = `${flow.error.phase}: ${flow.error.message}`;
  return info;
}

/** Pairs by the exact path, not the route template: see session-endpoint.ts. */
const keyOf = (flow: Flow, requestBody: Buffer | null) => `${requestPathOf(flow.request.method, flow.request.url)} ${fingerprint(requestBody)}`;

export async function harSession(path: string): Promise<Session> {
  const har = await parseHar(fs.createReadStream(path));
  return {
    describe: path,
    exchanges: har.flows.map((flow) => {
      const bodies = har.bodies.get(flow.id);
      const body = (b: Buffer | null | undefined) => (b ? { bytes: b } : null);
      return {
        key: keyOf(flow, bodies?.request ?? null),
        info: infoOf(flow, false),
        input: async () => ({ flow, request: diffBodyFrom(flow.request.body, body(bodies?.request)), response: diffBodyFrom(flow.response?.body, body(bodies?.response)) }),
      };
    }),
  };
}

export async function storedSession(source: FlowSource, filter: string): Promise<Session> {
  compileFilter(filter);
  const exchanges: SideExchange[] = [];
  for (const id of await matchingIds(source, filter)) {
    const flow = await source.get(id);
    if (!flow) continue;
    const request = await source.decodedBody(flow, 'request');
    exchanges.push({
      key: keyOf(flow, request?.bytes ?? null),
      info: infoOf(flow, true),
      input: async () => ({ flow, request: diffBodyFrom(flow.request.body, request), response: diffBodyFrom(flow.response?.body, await source.decodedBody(flow, 'response')) }),
    });
  }
  return { describe: `flows matching '${filter}'`, exchanges };
}

export async function diffSessions(a: Session, b: Session, ignore: IgnoreSpec, ignoreText: string[]): Promise<SessionReport> {
  const match = matchInOrder(
    a.exchanges.map((x) => x.key),
    b.exchanges.map((x) => x.key),
  );
  const builder = new SessionReportBuilder({ kind: 'diff', a: a.describe, b: b.describe, ignore: ignoreText });
  const removed = new Set(match.removed);
  const pairOf = new Map(match.pairs);
  for (let i = 0; i < a.exchanges.length; i++) {
    const x = a.exchanges[i];
    if (removed.has(i)) {
      builder.removed(x.info);
      continue;
    }
    const y = b.exchanges[pairOf.get(i)!];
    const diff = diffFlows(await x.input(), await y.input(), { volatile: volatileWith(ignore) });
    builder.pair(pairReport(x.info, y.info, differencesOf(diff, ignore)));
  }
  for (const j of match.added) builder.added(b.exchanges[j].info);
  return builder.report();
}
