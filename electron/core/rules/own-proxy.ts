/**
 * Whether a proxy address is this Hindsight itself: one of its ports (the proxy's, the UI/API's) on a loopback
 * address, `localhost`, the address the proxy listens on, an unspecified address, or an address of one of
 * this machine's interfaces. Sending traffic there would loop until sockets run out, so an upstream-proxy rule
 * naming it is refused on save (rule-book.ts) and, for what a PAC script names, when a request is sent
 * (electron/core/upstream-proxy).
 */
import os from 'node:os';

export interface OwnAddress {
  host: string;
  ports: readonly number[];
}

export function isOwnProxy(proxy: { host: string; port: number }, self: OwnAddress): boolean {
  if (!self.ports.includes(proxy.port)) return false;
  const host = proxy.host.toLowerCase();
  if (host === 'localhost' || host === self.host || /^127\.|^::1$|^::ffff:127\.|^0\.0\.0\.0$|^::$/.test(host)) return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.address.toLowerCase() === host));
}
