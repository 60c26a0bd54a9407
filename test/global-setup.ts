import { execFileSync } from 'node:child_process';
import { loadConfig } from '../shared/src/config/env.ts';
import { migrate } from '../shared/src/db/migrate.ts';
import { createKafka, ensureFlowTopics } from '../shared/src/kafka/client.ts';
import { createLogger } from '../shared/src/logging/logger.ts';

/**
 * Makes sure the services the tests need are up. When FLOW_TEST_EXTERNAL_STACK=true the
 * environment variables already point at running services; otherwise the local stack starts.
 */
export default async function setup(): Promise<void> {
  if (process.env.FLOW_TEST_EXTERNAL_STACK !== 'true') {
    execFileSync('bash', ['deploy/local/stack.sh', 'up'], { stdio: 'inherit' });
  }
  const config = loadConfig();
  const logger = createLogger('warn', { process: 'test-setup' });
  await migrate(config.DATABASE_URL, logger);
  const kafka = createKafka(config, 'test-setup', logger);
  await ensureFlowTopics(kafka, config);
}
