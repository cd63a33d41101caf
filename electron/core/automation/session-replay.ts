/**
 * Session replay: every recorded request sent again to another origin (targets in target.ts), each new
 * response compared with the recorded one, the whole as a SessionReport (electron/common/session-report.ts).
 *
 * It speaks only the API (flows.get, flows.draft, flows.send, flows.diff), so the same code runs against a
 * running instance over its WebSocket, against a core this process started, and inside the core for the
 * app's "Replay against…". Each request goes through the proxy like any replay: the new flow is stored,
 * linked to its original (replayOf), and the pair opens in the diff view.
 *
 * Concurrency: up to N requests in flight; every worker owns one request from send to diff, so pairs can
 * never cross, and the report lists pairs in capture order whatever order they finished in.
 */
import { ApiError, type ApiClient } from '../../common/api';
import type { Flow, FlowSummary } from '../../common/flow';
import type { OutgoingRequest, RuleChoice } from '../../common/replay';
import {
  SessionReportBuilder,
  differencesOf,
  exchangeOf,
  pairReport,
  volatileWith,
  type ExchangeInfo,
  type IgnoreSpec,
  type NotSent,
  type PairReport,
  type SessionReport,
} from '../../common/session-report';
import { originOf, originText, retargetHeaders, retargetUrl, targetFor, type Retarget } from './target';

export type SessionApi = Pick<ApiClient, 'call'>;

export interface SessionReplayOptions {
  retarget: Retarget;
  ignore: IgnoreSpec;
  /** The --ignore entries as given, for the report. */
  ignoreText: string[];
  /** Requests in flight at once (1: one after another, in capture order). */
  concurrency: number;
  /** Pause between the starts of two requests. */
  delayMs: number;
  rules?: RuleChoice;
  allowTruncated?: boolean;
  /** How the report names the recorded side (e.g. "flows matching 'host:api.test'"). */
  describeA: string;
  /** Called as each request is compared or refused. */
  onProgress?(done: number, total: number): void;
}

export const MAX_CONCURRENCY = 64;

type Outcome = { pair: PairReport } | { notSent: NotSent };

const errorText = (e: Flow['error'] | undefined) => (e ? `${e.phase}: ${e.message}` : undefined);

function recordedSide(flow: Flow): ExchangeInfo {
  const info: ExchangeInfo = { id: flow.id, method: flow.request.method, url: flow.request.url };
  if (flow.response) info.status = flow.response.status;
  if (flow.timings.totalMs !== undefined) info.durationMs = flow.timings.totalMs;
  const error = errorText(flow.error);
  if (error) info.error = error;
  return info;
}

function newSide(s: FlowSummary): ExchangeInfo {
  return exchangeOf({ id: s.id, method: s.method, url: s.url, status: s.status, startedAt: s.startedAt, state: s.state }, { durationMs: s.durationMs, error: s.error });
}

async function replayOne(api: SessionApi, id: string, o: SessionReplayOptions): Promise<Outcome> {
  const flow = await api.call('flows.get', { id });
  if (!flow) return { notSent: { a: { id, method: '?', url: '?' }, reason: `no flow ${id}` } };
  const a = recordedSide(flow);
  const refuse = (reason: string): Outcome => ({ notSent: { a, reason } });
  const to = targetFor(flow.request.url, o.retarget);
  if (!to) {
    const from = originOf(flow.request.url);
    return refuse(`no --to or --map covers ${from ? originText(from) : flow.request.url}`);
  }
  let sent: FlowSummary;
  try {
    const draft = await api.call('flows.draft', { id });
    if (!draft) return refuse(`no flow ${id}`);
    if (draft.truncated && !o.allowTruncated) return refuse(`the stored request body was truncated at ${draft.truncated.storedSize} of ${draft.truncated.size} bytes`);
    const request: OutgoingRequest = { method: draft.method, url: retargetUrl(draft.url, to), headers: retargetHeaders(draft.headers, to, o.retarget.headers) };
    if (draft.body !== undefined) request.body = draft.body;
    if (draft.bodyEncoding !== undefined) request.bodyEncoding = draft.bodyEncoding;
    sent = await api.call('flows.send', { request, basedOn: id, ...(o.rules ? { rules: o.rules } : {}) });
  } catch (err) {
    if (err instanceof ApiError && err.code !== 'closed' && err.code !== 'internal') return refuse(err.message);
    throw err;
  }
  const diff = await api.call('flows.diff', { a: id, b: sent.id, volatile: volatileWith(o.ignore) });
  return { pair: pairReport(a, newSide(sent), differencesOf(diff, o.ignore)) };
}

export async function replaySession(api: SessionApi, ids: readonly string[], o: SessionReplayOptions): Promise<SessionReport> {
  const outcomes: Outcome[] = new Array(ids.length);
  const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(o.concurrency)));
  let next = 0;
  let done = 0;
  let nextStart = 0;
  // Starts are spaced by delayMs across all workers: the pace the target sees, whatever the concurrency.
  const paced = async () => {
    const now = Date.now();
    const at = Math.max(now, nextStart);
    nextStart = at + o.delayMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      if (o.delayMs > 0 && i > 0) await paced();
      else nextStart = Date.now() + o.delayMs;
      outcomes[i] = await replayOne(api, ids[i], o);
      o.onProgress?.(++done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));

  const to = o.retarget.to ? originText(o.retarget.to) : '';
  const maps = o.retarget.map.map((m) => `${originText(m.from)} → ${originText(m.to)}`);
  const builder = new SessionReportBuilder({ kind: 'replay', a: o.describeA, b: [to, ...maps].filter(Boolean).join(', '), ignore: o.ignoreText });
  for (const outcome of outcomes) {
    if ('pair' in outcome) builder.pair(outcome.pair);
    else builder.notSent(outcome.notSent);
  }
  return builder.report();
}
