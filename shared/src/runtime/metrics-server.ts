import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';

/** Serves `GET /metrics` from the registry on host:port, for a process that runs without the API. */
export async function startMetricsServer(registry: Registry, host: string, port: number, logger: Logger): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found. Metrics are at GET /metrics.\n');
      return;
    }
    registry
      .metrics()
      .then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'metrics rendering failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics rendering failed.\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
