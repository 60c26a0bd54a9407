import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/openapi-document.ts';

/** `GET <prefix>/openapi.json`, served without an API key. */
export function registerOpenApiRoute(app: FastifyInstance, prefix: string): void {
  let document: Record<string, unknown> | undefined;
  app.get(`${prefix}/openapi.json`, async () => {
    document ??= buildOpenApiDocument(prefix);
    return document;
  });
}
