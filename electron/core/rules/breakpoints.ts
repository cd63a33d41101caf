/**
 * The queue of paused exchanges. A breakpoint rule pauses a request (before it goes upstream) or a response
 * (before it reaches the client); the pause waits here until the API resumes it (optionally with edits),
 * aborts it, or answers it with a mock — or until the timeout continues it unchanged, so a forgotten pause
 * never leaves a client hanging. A client that disconnects while paused releases its pause.
 *
 * The queue holds plain data (what the UI shows and edits); the pipeline turns outcomes into decisions.
 */
import { ApiError } from '../../common/api';
import type { BreakpointInfo, BreakpointPhase, BreakpointResumed, MessageEdits, MockAnswer, PausedMessage, RequestEdits, ResponseEdits } from '../../common/breakpoint';
import { Emitter, type Disposable } from '../../common/events';
import type { AppliedRule } from '../../common/flow';

/** Default pause length before the exchange continues unchanged. */
export const DEFAULT_BREAKPOINT_TIMEOUT_MS = 5 * 60_000;

export type PauseOutcome =
  | { type: 'resume'; edits?: RequestEdits | ResponseEdits | MessageEdits; timedOut: boolean }
  | { type: 'abort' }
  | { type: 'answer'; response: MockAnswer }
  /** The client went away, or the queue was disposed: nothing more to do for this exchange. */
  | { type: 'released' };

export interface PauseRequest {
  flowId: string;
  phase: BreakpointPhase;
  /** Tells apart several pauses of one flow and phase (a socket's messages); absent for requests and responses. */
  key?: string;
  clientIp: string;
  rule: AppliedRule;
  message: PausedMessage;
  /** Aborts when the client disconnects: the pause is released. */
  signal?: AbortSignal;
}

/** What the API decides for a paused exchange, as one value (a decision sent to another node is this). */
export type BreakpointDecision =
  | { type: 'resume'; edits?: RequestEdits | ResponseEdits | MessageEdits }
  | { type: 'abort' }
  | { type: 'answer'; response: MockAnswer };

/**
 * Pauses held by the other nodes of a team (rules/pg-breakpoints.ts): listed beside ours, and decided by
 * sending the decision to the node that holds the connection.
 */
export interface BreakpointPeers {
  /** Paused on other nodes. */
  list(): BreakpointInfo[];
  /** Another node's pause with this id, if one is known. */
  get(id: string): BreakpointInfo | undefined;
  /** Sends the decision to the node holding `id`; resolves once that node applied it, rejects with its refusal. */
  decide(id: string, decision: BreakpointDecision): Promise<void>;
}

interface Pending {
  info: BreakpointInfo;
  settle: (outcome: PauseOutcome, how: BreakpointResumed['how']) => void;
}

export class Breakpoints implements Disposable {
  private readonly pending = new Map<string, Pending>();
  private timeoutMs: number;
  private disposed = false;
  private readonly _onDidPause = new Emitter<BreakpointInfo>();
  readonly onDidPause = this._onDidPause.event;
  private readonly _onDidResume = new Emitter<BreakpointResumed>();
  readonly onDidResume = this._onDidResume.event;
  private readonly node: string | undefined;
  private peers: BreakpointPeers | undefined;

  /** `node`: this node's name on a team store, shown on its pauses. */
  constructor(options: { timeoutMs?: number; node?: string } = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_BREAKPOINT_TIMEOUT_MS;
    this.node = options.node || undefined;
  }

  /** Lists the other nodes' pauses with ours and routes decisions on them (team mode). */
  attachPeers(peers: BreakpointPeers): void {
    this.peers = peers;
  }

  /** Another node paused an exchange: announced like one of ours (the API's breakpoints/paused event). */
  peerDidPause(info: BreakpointInfo): void {
    if (!this.disposed) this._onDidPause.fire(info);
  }

  /** Another node's pause ended (decided, timed out, released, or that node is gone). */
  peerDidResume(resumed: BreakpointResumed): void {
    if (!this.disposed) this._onDidResume.fire(resumed);
  }

  /** Applies to pauses that start after the change. */
  setTimeout(ms: number): void {
    this.timeoutMs = ms;
  }

  /** Pauses until someone (or the timeout, or the client's disconnect) decides. */
  pause(request: PauseRequest): Promise<PauseOutcome> {
    if (this.disposed || request.signal?.aborted) return Promise.resolve({ type: 'released' });
    const id = `${request.flowId}:${request.phase}${request.key === undefined ? '' : `:${request.key}`}`;
    const pausedAt = Date.now();
    const info: BreakpointInfo = {
      id,
      flowId: request.flowId,
      phase: request.phase,
      clientIp: request.clientIp,
      rule: request.rule,
      pausedAt,
      continuesAt: pausedAt + this.timeoutMs,
      ...(this.node ? { node: this.node } : {}),
      ...request.message,
    };
    return new Promise<PauseOutcome>((resolve) => {
      const timer = setTimeout(() => settle({ type: 'resume', timedOut: true }, 'timeout'), this.timeoutMs);
      const onAbort = () => settle({ type: 'released' }, 'released');
      const settle = (outcome: PauseOutcome, how: BreakpointResumed['how']) => {
        if (this.pending.get(id) !== entry) return;
        this.pending.delete(id);
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
        this._onDidResume.fire({ id, flowId: request.flowId, phase: request.phase, how });
      };
      const entry: Pending = { info, settle };
      // One pause per flow and phase; a second (a retried flow id) releases the first rather than orphan it.
      this.pending.get(id)?.settle({ type: 'released' }, 'released');
      this.pending.set(id, entry);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this._onDidPause.fire(info);
    });
  }

  /** Paused items, oldest first: the queue the user walks (every node's, on a team store). */
  list(): BreakpointInfo[] {
    const here = [...this.pending.values()].map((p) => p.info);
    if (!this.peers) return here;
    return [...here, ...this.peers.list()].sort((a, b) => a.pausedAt - b.pausedAt);
  }

  get size(): number {
    return this.pending.size + (this.peers?.list().length ?? 0);
  }

  /** True when this node holds the pause (its connection is here). */
  holds(id: string): boolean {
    return this.pending.has(id);
  }

  /**
   * Applies a decision to a pause held here, or sends it to the node holding it. Checked here first either
   * way, so a bad edit is refused by the node the user talks to.
   */
  async decide(id: string, decision: BreakpointDecision): Promise<void> {
    const remote = this.pending.has(id) ? undefined : this.peers?.get(id);
    if (!remote) return this.apply(id, decision);
    if (decision.type === 'resume' && decision.edits) checkEdits(remote.phase, decision.edits);
    if (decision.type === 'answer' && remote.phase === 'message') throw cannotAnswerMessage();
    await this.peers!.decide(id, decision);
  }

  /** A decision on a pause held here (the API's, or one another node sent). */
  apply(id: string, decision: BreakpointDecision): void {
    if (decision.type === 'resume') this.resume(id, decision.edits);
    else if (decision.type === 'abort') this.abort(id);
    else this.answer(id, decision.response);
  }

  resume(id: string, edits?: RequestEdits | ResponseEdits | MessageEdits): void {
    const entry = this.get(id);
    if (edits) checkEdits(entry.info.phase, edits);
    entry.settle({ type: 'resume', edits, timedOut: false }, 'resumed');
  }

  abort(id: string): void {
    this.get(id).settle({ type: 'abort' }, 'aborted');
  }

  answer(id: string, response: MockAnswer): void {
    const entry = this.get(id);
    if (entry.info.phase === 'message') throw cannotAnswerMessage();
    entry.settle({ type: 'answer', response }, 'answered');
  }

  private get(id: string): Pending {
    const entry = this.pending.get(id);
    if (!entry) throw new ApiError(`no paused exchange with id ${JSON.stringify(id)} (it may have continued or timed out)`, 'not-found');
    return entry;
  }

  /** Releases every pause (the exchanges continue unchanged, so clients are not left hanging). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of [...this.pending.values()]) entry.settle({ type: 'resume', timedOut: false }, 'released');
    this._onDidPause.dispose();
    this._onDidResume.dispose();
  }
}

function cannotAnswerMessage(): ApiError {
  return new ApiError('a paused WebSocket message cannot be answered: resume it (edited or not) or drop it', 'bad-params');
}

const REQUEST_EDIT_KEYS = new Set(['method', 'url', 'headers', 'body', 'bodyEncoding']);
const RESPONSE_EDIT_KEYS = new Set(['status', 'statusText', 'headers', 'body', 'bodyEncoding']);
const MESSAGE_EDIT_KEYS = new Set(['text', 'drop']);

/** Refuses edits that do not belong to the paused side (a status on a request), naming the field. */
function checkEdits(phase: BreakpointPhase, edits: RequestEdits | ResponseEdits | MessageEdits): void {
  const allowed = phase === 'request' ? REQUEST_EDIT_KEYS : phase === 'response' ? RESPONSE_EDIT_KEYS : MESSAGE_EDIT_KEYS;
  for (const key of Object.keys(edits)) {
    if (!allowed.has(key)) throw new ApiError(`edits.${key}: cannot be edited on a paused ${phase}`, 'bad-params');
  }
  if (phase !== 'message') return;
  const { text, drop } = edits as MessageEdits;
  if (text !== undefined && typeof text !== 'string') throw new ApiError('edits.text: must be text', 'bad-params');
  if (drop !== undefined && typeof drop !== 'boolean') throw new ApiError('edits.drop: must be true or false', 'bad-params');
}
