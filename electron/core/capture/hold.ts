/**
 * Where an exchange meets its network conditions before anything goes upstream: the flow is marked with the
 * rule or profile, the request waits its latency, then goes on, is reset, or stalls. Shared by HTTP/1.1
 * requests (capture/forward.ts) and WebSocket handshakes (capture/upgrade.ts); an HTTP/2 stream can use it
 * the same way.
 */
import type { EventEmitter } from 'node:events';
import { STALL_LIMIT_MS, describeConditions } from '../../common/conditions';
import type { Flow } from '../../common/flow';
import type { Failure } from './failure';
import type { Shaping } from '../conditions/service';

export interface HeldExchange {
  /** Emits 'close' when the client's side goes away (the ServerResponse, or the upgraded socket). */
  client: EventEmitter;
  flow?: Flow;
  /** Fails the exchange; `failure.reset`: cut the client's connection instead of answering. */
  fail(failure: Failure): void;
}

/** Runs `go` after the shaping's delay, unless the shaping fails the request (or the client left first). */
export function holdRequest(shaping: Shaping, held: HeldExchange, go: () => void): void {
  if (held.flow) held.flow.appliedRules = [...held.flow.appliedRules, shaping.applied];
  const what = describeConditions(shaping.conditions);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;
  const later = (ms: number, then: () => void) => {
    if (ms < 1) return then();
    timer = setTimeout(() => {
      timer = undefined;
      if (!gone) then();
    }, ms);
  };
  const stallStarted = () => Date.now();
  let stalledAt = 0;
  // Prepended: when a stalled request's client gives up, the flow says it was stalled, not only that the client left.
  held.client.prependListener('close', () => {
    gone = true;
    if (timer) clearTimeout(timer);
    if (stalledAt) held.fail({ phase: 'rule', message: `stalled by network conditions (${what}); the client gave up after ${((Date.now() - stalledAt) / 1000).toFixed(1)} s`, status: 502, reset: true });
  });
  later(shaping.delayMs, () => {
    if (shaping.failure === 'reset') return held.fail({ phase: 'rule', message: `reset by network conditions (${what})`, status: 502, reset: true });
    if (shaping.failure !== 'stall') return go();
    stalledAt = stallStarted();
    later(STALL_LIMIT_MS, () =>
      held.fail({ phase: 'rule', message: `stalled by network conditions (${what}); cut after ${STALL_LIMIT_MS / 1000} s`, status: 502, reset: true }),
    );
  });
}
