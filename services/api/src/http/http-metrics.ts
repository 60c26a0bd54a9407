import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

const requestsName = 'flow_api_http_requests_total';
const durationName = 'flow_api_http_request_duration_seconds';

function requestCounter(registry: Registry): Counter<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(requestsName);
  if (existing) return existing as Counter<'method' | 'route' | 'status'>;
  return new Counter({
    name: requestsName,
    help: 'HTTP requests the API responded to, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
}

function durationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(durationName);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: durationName,
    help: 'Time the API took to respond to a request, in seconds, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * Counts and times every response. Routes are labelled by their pattern (`/api/v1/runs/:id`),
 * and requests that matched no route share the label `unmatched`, so label values stay few.
 * Several apps built on one registry share the same metrics.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = requestCounter(registry);
  const duration = durationHistogram(registry);

  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
