import { Command, CommanderError } from 'commander';
import { isFlowError } from '@flow/shared/errors/flow-error';
import { ApiRequestError } from './api-client.ts';
import { registerConnectorCommands } from './commands/connectors.ts';
import { registerHealthCommand } from './commands/health.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerLagCommand } from './commands/lag.ts';
import { registerLineageCommand } from './commands/lineage.ts';
import { registerPipelineCommands } from './commands/pipelines.ts';
import { registerRunCommands } from './commands/runs.ts';
import { registerSchemaCommands } from './commands/schemas.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerTenantCommands } from './commands/tenants.ts';
import { UsageError } from './usage-error.ts';

/** Exit statuses: 0 success, 1 failure, 2 usage error. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

function buildProgram(): Command {
  const program = new Command('flow')
    .description('Operate Flow: tenants, API keys and services')
    .exitOverride()
    .showHelpAfterError('(run "flow --help" for usage)');
  registerTenantCommands(program);
  registerKeyCommands(program);
  registerConnectorCommands(program);
  registerSchemaCommands(program);
  registerPipelineCommands(program);
  registerRunCommands(program);
  registerHealthCommand(program);
  registerLineageCommand(program);
  registerStartCommand(program);
  registerLagCommand(program);
  return program;
}

function exitStatusOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (error instanceof UsageError) return EXIT_USAGE;
  if (isFlowError(error) && error.code === 'VALIDATION_FAILED') return EXIT_USAGE;
  // The API rejected the arguments as typed (a 400), as opposed to a missing object or a failure.
  if (error instanceof ApiRequestError && error.code === 'VALIDATION_FAILED') return EXIT_USAGE;
  return EXIT_FAILURE;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const status = exitStatusOf(error);
  // Commander has already printed its own usage messages.
  if (!(error instanceof CommanderError)) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`flow: ${message}\n`);
  }
  process.exitCode = status;
}
