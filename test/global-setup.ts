import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  loadStackEnvironment('.stack/env');
  const config = loadConfig();
  const logger = createLogger('warn', { process: 'test-setup' });
  await migrate(config.DATABASE_URL, logger);
  const kafka = createKafka(config, 'test-setup', logger);
  await ensureFlowTopics(kafka, config);
}

/** Copies `NAME=value` lines written by the stack script into process.env, where unset. */
function loadStackEnvironment(path: string): void {
  if (!existsSync(path)) return;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, raw] = match;
    const value = raw!.replace(/^(['"])(.*)\1$/, '$2');
    if (process.env[name!] === undefined) process.env[name!] = value;
  }
}
