/** A plain TCP connection to host:port, resolved through the proxy's lookup; resolves once connected. */
import net from 'node:net';

export function connectDirect(host: string, port: number, lookup?: net.LookupFunction): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, ...(lookup ? { lookup } : {}) });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
