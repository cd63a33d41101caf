/**
 * Real traffic for the report tests: a local API origin with templated endpoints that answer 2xx, 4xx and
 * 5xx, and requests sent through the proxy by Node's http client from three client addresses (127.0.0.2
 * an iPhone, 127.0.0.3 an Android phone, 127.0.0.4 a desktop), in two app releases (1.0 then 1.1, in the
 * User-Agent and an X-App-Version header). EXPECTED_* in the tests follow from SENT below.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiOrigin {
  port: number;
  close(): Promise<void>;
}

/** GET/DELETE /users/{id}, GET /users/{id}/orders/{uuid}, POST /orders, GET /boom/{id}, GET /reports/{date}. */
export async function startApiOrigin(): Promise<ApiOrigin> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'DELETE' && /^\/users\/\d+$/.test(path)) return answer(403, { error: 'forbidden' });
      if (req.method === 'GET' && /^\/users\/\d+$/.test(path)) return answer(200, { id: path.split('/')[2] });
      if (req.method === 'GET' && /^\/users\/\d+\/orders\/[0-9a-f-]{36}$/.test(path)) return path.split('/')[2] === '6' ? answer(404, { error: 'no such order' }) : answer(200, { order: true });
      if (req.method === 'POST' && path === '/orders') return answer(201, { created: true });
      if (req.method === 'GET' && /^\/boom\/\d+$/.test(path)) return answer(500, { error: 'boom' });
      if (req.method === 'GET' && /^\/reports\/\d{4}-\d{2}-\d{2}$/.test(path)) return answer(200, { report: true });
      answer(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type Device = 'ios' | 'android' | 'desktop';
export const DEVICE_IP: Record<Device, string> = { ios: '127.0.0.2', android: '127.0.0.3', desktop: '127.0.0.4' };

export function userAgent(device: Device, release: string): string {
  switch (device) {
    case 'ios':
      return `MyApp/${release} (iPhone; iOS 17.2) CFNetwork/1490 Darwin/23.2.0`;
    case 'android':
      return `MyApp/${release} (Linux; Android 14; Pixel 8) okhttp/4.12.0`;
    case 'desktop':
      return `MyApp/${release} (Windows NT 10.0; Win64; x64)`;
  }
}

export interface Sent {
  device: Device;
  release: string;
  method: string;
  /** Host and path; `api.test` is the origin, `nope.test` fails DNS. */
  host: 'api.test' | 'nope.test';
  path: string;
  body?: string;
}

const U1 = '5f0c8a3e-9b1d-4c2e-8f7a-0123456789ab';
const U2 = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

/** What the tests send, in this order. */
export const SENT: Sent[] = [
  // Release 1.0: the baseline.
  { device: 'ios', release: '1.0', method: 'GET', host: 'api.test', path: '/users/1' },
  { device: 'ios', release: '1.0', method: 'GET', host: 'api.test', path: `/users/2/orders/${U1}` },
  { device: 'ios', release: '1.0', method: 'POST', host: 'api.test', path: '/orders', body: '{"item":1}' },
  { device: 'ios', release: '1.0', method: 'GET', host: 'api.test', path: '/boom/7' },
  { device: 'ios', release: '1.0', method: 'GET', host: 'api.test', path: '/boom/8?retry=1' },
  { device: 'android', release: '1.0', method: 'GET', host: 'api.test', path: '/users/3' },
  { device: 'android', release: '1.0', method: 'DELETE', host: 'api.test', path: '/users/4' },
  { device: 'android', release: '1.0', method: 'GET', host: 'api.test', path: '/reports/2026-12-01' },
  // Release 1.1: the target.
  { device: 'ios', release: '1.1', method: 'GET', host: 'api.test', path: '/users/5?fields=name' },
  { device: 'ios', release: '1.1', method: 'POST', host: 'api.test', path: '/orders', body: '{"item":2}' },
  { device: 'android', release: '1.1', method: 'GET', host: 'api.test', path: `/users/6/orders/${U2}` },
  { device: 'android', release: '1.1', method: 'DELETE', host: 'api.test', path: '/users/8' },
  { device: 'android', release: '1.1', method: 'GET', host: 'api.test', path: '/users/10' },
  { device: 'android', release: '1.1', method: 'GET', host: 'nope.test', path: '/users/1' },
  { device: 'desktop', release: '1.1', method: 'GET', host: 'api.test', path: '/users/9' },
];

/** Sends one request through the proxy from the device's address; resolves with the status it got. */
export function send(proxyPort: number, originPort: number, item: Sent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      localAddress: DEVICE_IP[item.device],
      method: item.method,
      path: `http://${item.host}:${originPort}${item.path}`,
      headers: {
        'user-agent': userAgent(item.device, item.release),
        'x-app-version': item.release,
        ...(item.body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(item.body)) } : {}),
      },
      agent: false,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(item.body);
  });
}
