import type { RunningService, ServiceStarter } from '@flow/shared/runtime/service-context';
import { buildApiApp } from './app.ts';

/** Starts the REST API on FLOW_API_HOST:FLOW_API_PORT. */
export const startApi: ServiceStarter = async (context): Promise<RunningService> => {
  const app = buildApiApp(context);
  const address = await app.listen({ host: context.config.FLOW_API_HOST, port: context.config.FLOW_API_PORT });
  context.logger.info({ service: 'api', address }, 'api listening');

  return {
    name: 'api',
    stop: async () => {
      await app.close();
    },
  };
};
