/**
 * The phases of one upstream exchange on performance.now(): which socket carried it (pooled or new, and
 * then when its DNS, connect and TLS finished), when the request was sent, when the response started and
 * ended. Gives the flow's timings and tells a failure which phase it happened in.
 */
import type http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FlowTimings } from '../../common/flow';
import type { FailureContext } from './failure';
import type { Target } from './target';
import { timesOf } from './upstream';

export class ExchangeClock {
  readonly t0 = performance.now();
  socket?: net.Socket;
  reused = false;
  private socketAt?: number;
  private sentAt?: number;
  responseAt?: number;
  private responseEndAt?: number;

  /** Follows a (new or retried) upstream request. */
  watch(upstream: http.ClientRequest): void {
    this.socket = undefined;
    this.reused = false;
    upstream.on('socket', (socket: net.Socket) => {
      this.socket = socket;
      this.socketAt = performance.now();
      this.reused = upstream.reusedSocket;
    });
    upstream.on('finish', () => (this.sentAt = performance.now()));
  }

  responseStarted(): void {
    this.responseAt = performance.now();
  }

  responseEnded(): void {
    this.responseEndAt = performance.now();
  }

  failureContext(target: Target): FailureContext {
    const times = this.socket && !this.reused ? timesOf(this.socket) : undefined;
    return {
      host: target.host,
      port: target.port,
      secure: target.secure,
      connected: this.reused || times?.connect !== undefined,
      tlsDone: this.reused || times?.secure !== undefined,
      responding: this.responseAt !== undefined,
    };
  }

  timings(): FlowTimings {
    const now = performance.now();
    const t: FlowTimings = {};
    let ready: number | undefined;
    if (this.reused) {
      t.reusedConnection = true;
      ready = this.socketAt;
    } else {
      const times = this.socket && timesOf(this.socket);
      if (times) {
        t.reusedConnection = false;
        if (times.lookup !== undefined) t.dnsMs = ms(times.lookup - times.start);
        if (times.connect !== undefined) t.connectMs = ms(times.connect - (times.lookup ?? times.start));
        if (times.secure !== undefined && times.connect !== undefined) t.tlsMs = ms(times.secure - times.connect);
        ready = times.secure ?? times.connect;
      }
    }
    if (this.sentAt !== undefined && ready !== undefined) t.sendMs = ms(this.sentAt - ready);
    if (this.responseAt !== undefined && this.sentAt !== undefined) t.waitMs = ms(this.responseAt - this.sentAt);
    if (this.responseEndAt !== undefined && this.responseAt !== undefined) t.receiveMs = ms(this.responseEndAt - this.responseAt);
    t.totalMs = ms(now - this.t0);
    return t;
  }
}

/** Milliseconds, two decimals, never negative (an early response can precede the end of the upload). */
export function ms(value: number): number {
  return Math.max(0, Math.round(value * 100) / 100);
}
