/**
 * Download tickets: the one place a credential may travel in a URL (issue 14, item 4). A browser can only
 * stream a large export to disk by navigating to it, and a navigation carries no Authorization header; so
 * the page asks over its authenticated WebSocket (`export.ticket`) for a ticket that is good for one
 * download of that one export, within a minute. The session token itself never appears in a URL.
 */
import crypto from 'node:crypto';
import type { AnyCore } from '../core-types';
import type { ExportRequest } from '../export/api-handlers';

export const TICKET_TTL_MS = 60_000;
/** More outstanding tickets than anyone clicks in a minute; beyond this the oldest are dropped. */
const MAX_TICKETS = 100;

export class DownloadTickets {
  private readonly tickets = new Map<string, { request: ExportRequest; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(request: ExportRequest): { ticket: string; expiresAt: number } {
    this.prune();
    if (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = crypto.randomBytes(24).toString('base64url');
    const expiresAt = this.now() + TICKET_TTL_MS;
    this.tickets.set(ticket, { request, expiresAt });
    return { ticket, expiresAt };
  }

  /** The export a ticket was issued for, once: a redeemed or expired ticket is gone. */
  redeem(ticket: string | null): ExportRequest | undefined {
    if (!ticket) return undefined;
    const found = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return found && found.expiresAt > this.now() ? found.request : undefined;
  }

  private prune(): void {
    const now = this.now();
    for (const [ticket, { expiresAt }] of this.tickets) if (expiresAt <= now) this.tickets.delete(ticket);
  }
}

const byCore = new WeakMap<AnyCore, DownloadTickets>();

/** The tickets of one core: issued by its API handlers, redeemed by its UI server's route. */
export function downloadTickets(core: AnyCore): DownloadTickets {
  let tickets = byCore.get(core);
  if (!tickets) byCore.set(core, (tickets = new DownloadTickets()));
  return tickets;
}
