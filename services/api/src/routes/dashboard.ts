import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const dashboardFolder = new URL('../dashboard/', import.meta.url);
const pageHtml = readFileSync(new URL('index.html', dashboardFolder), 'utf8');
const pageScript = readFileSync(new URL('dashboard.js', dashboardFolder), 'utf8');

/**
 * Registers the operator dashboard: a static page and its script, served without authentication.
 * The page requests an API key, keeps it in sessionStorage and sends it with every API call.
 */
export function registerDashboardRoutes(app: FastifyInstance): void {
  app.get('/dashboard', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(pageHtml));
  app.get('/dashboard/dashboard.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(pageScript),
  );
}
