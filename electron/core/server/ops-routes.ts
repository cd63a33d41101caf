/**
 * Routes for operating a server (issue 21): `GET /healthz` — JSON, no token, 200 when the store takes
 * writes and the proxy listens, else 503 (a supervisor's or load balancer's probe); `GET /metrics` — the
 * Prometheus text format (../metrics), behind the same token as /api unless `serve --metrics-public`.
 */
import type http from 'node:http';
import type { AnyCore } from '../core-types';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../metrics/prometheus-text';

export function serveHealth(core: AnyCore, req: http.IncomingMessage, res: http.ServerResponse): void {
  const health = core.metrics.health();
  const body = `${JSON.stringify(health)}\n`;
  res.statusCode = health.ok ? 200 : 503;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function serveMetrics(core: AnyCore, req: http.IncomingMessage, res: http.ServerResponse): void {
  const body = renderPrometheus(core.metrics.snapshot());
  res.statusCode = 200;
  res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}
