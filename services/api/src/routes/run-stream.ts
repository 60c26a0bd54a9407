import type { FastifyInstance } from 'fastify';
import { notFound } from '@flow/shared/errors/catalog';
import { getRun, type Run } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { parseInput } from '../http/parse-input.ts';
import { RunEventHub } from '../runs/run-event-hub.ts';
import { toRunView } from '../runs/run-view.ts';

/** Run statuses after which a run changes no more. */
const finalStatuses = new Set(['succeeded', 'failed', 'skipped']);

/** Interval of the run-row poll that backs up the Kafka events, in milliseconds. */
export const RUN_POLL_INTERVAL_MS = 1_000;

/** Interval of the SSE comment that keeps idle proxies from closing the stream, in milliseconds. */
const KEEP_ALIVE_INTERVAL_MS = 15_000;

/**
 * `GET /runs/:id/events`: the run's state as server-sent events. The current state goes out at
 * once, then each change until the run ends, and the stream closes after the final state.
 * A Kafka event on flow.run-events triggers a re-read of the run row. A poll every second
 * catches changes whose event was missed, such as those before the consumer joined.
 */
export function registerRunStreamRoute(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool } = context;
  const hub = new RunEventHub(context.kafka, context.logger.child({ service: 'api' }), context.topics.runEvents);
  app.addHook('onClose', async () => {
    await hub.stop();
  });

  app.get('/runs/:id/events', async (request, reply) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const first = await getRun(pool, tenant.id, id);
    if (!first) throw notFound('Run', id);

    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });

    let closed = false;
    let sequence = 0;
    let lastSent = '';
    let queue = Promise.resolve();

    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(keepAlive);
      unsubscribe();
      stream.end();
    };

    const send = (run: Run) => {
      const data = JSON.stringify(toRunView(run));
      if (data === lastSent) return;
      lastSent = data;
      sequence += 1;
      stream.write(`id: ${sequence}\nevent: run\ndata: ${data}\n\n`);
      if (finalStatuses.has(run.status)) close();
    };

    // Re-reads run one after another, so events leave in the order the row changed.
    const refresh = () => {
      queue = queue
        .then(async () => {
          if (closed) return;
          const run = await getRun(pool, tenant.id, id);
          if (run && !closed) send(run);
        })
        .catch((error: unknown) => request.log.error({ err: error, run_id: id }, 'run event stream refresh failed'));
    };

    const unsubscribe = hub.subscribe(id, refresh);
    const poll = setInterval(refresh, RUN_POLL_INTERVAL_MS);
    const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_INTERVAL_MS);
    stream.on('close', close);
    send(first);
  });
}
