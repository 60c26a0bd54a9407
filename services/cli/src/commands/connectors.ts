import type { Command } from 'commander';
import { apiTargetFromEnvironment, callApi } from '../api-client.ts';
import { printFields, printJson, printTable, type Column } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface ConnectorView {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  verifiedAt: string | null;
  createdAt: string;
}

const connectorColumns: Column<ConnectorView>[] = [
  { heading: 'ID', value: (row) => row.id },
  { heading: 'NAME', value: (row) => row.name },
  { heading: 'TYPE', value: (row) => row.type },
  { heading: 'TARGET', value: (row) => (row.type === 's3' ? row.config.bucket : `${row.config.host}:${row.config.port}/${row.config.database}`) },
  { heading: 'VERIFIED', value: (row) => row.verifiedAt },
];

/** Reads a secret from the environment variable named by an option, so it never appears in the process list. */
function secretFromEnvironment(variable: string, option: string): string {
  const value = process.env[variable];
  if (!value) throw new UsageError(`Environment variable ${variable} (named by ${option}) is not set; export the secret in it.`);
  return value;
}

async function createConnector(body: Record<string, unknown>, json: boolean | undefined): Promise<void> {
  const result = await callApi<{ connector: ConnectorView }>(apiTargetFromEnvironment(), 'POST', '/connectors', { body });
  if (json) return printJson(result);
  process.stdout.write(`Created and verified ${result.connector.type} connector "${result.connector.name}" (id ${result.connector.id}).\n`);
}

/** Registers `flow connectors list|create s3|create postgres|test`, which call the API. */
export function registerConnectorCommands(program: Command): void {
  const connectors = program.command('connectors').description('Manage S3 and PostgreSQL connectors through the API');

  connectors
    .command('list')
    .description('List the tenant\'s connectors')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await callApi<{ connectors: ConnectorView[] }>(apiTargetFromEnvironment(), 'GET', '/connectors', { query: { limit: 500 } });
      if (options.json) return printJson(result);
      printTable(result.connectors, connectorColumns);
    });

  const create = connectors.command('create').description('Create a connector; the API verifies it before storing it');

  create
    .command('s3')
    .description('Create an S3 connector')
    .requiredOption('--name <name>', 'connector name, unique in the tenant')
    .requiredOption('--bucket <bucket>', 'bucket the connector reads')
    .option('--auth-method <method>', 'iam_role, access_key or default', 'default')
    .option('--region <region>', 'AWS region of the bucket')
    .option('--role-arn <arn>', 'iam_role: role Flow assumes')
    .option('--external-id-env <variable>', 'iam_role: environment variable holding the external id', 'FLOW_S3_EXTERNAL_ID')
    .option('--access-key-id <id>', 'access_key: access key id')
    .option('--secret-access-key-env <variable>', 'access_key: environment variable holding the secret access key', 'FLOW_S3_SECRET_ACCESS_KEY')
    .option('--json', 'print the API response as JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const authMethod = String(options.authMethod);
      const body: Record<string, unknown> = { name: options.name, type: 's3', authMethod, bucket: options.bucket };
      if (options.region) body.region = options.region;
      if (authMethod === 'iam_role') {
        if (!options.roleArn) throw new UsageError('--role-arn is required with --auth-method iam_role.');
        body.roleArn = options.roleArn;
        body.externalId = secretFromEnvironment(String(options.externalIdEnv), '--external-id-env');
      } else if (authMethod === 'access_key') {
        if (!options.accessKeyId) throw new UsageError('--access-key-id is required with --auth-method access_key.');
        body.accessKeyId = options.accessKeyId;
        body.secretAccessKey = secretFromEnvironment(String(options.secretAccessKeyEnv), '--secret-access-key-env');
      } else if (authMethod !== 'default') {
        throw new UsageError(`Invalid --auth-method "${authMethod}": use iam_role, access_key or default.`);
      }
      await createConnector(body, options.json === true);
    });

  create
    .command('postgres')
    .description('Create a PostgreSQL connector for a CDC source (needs wal_level = logical and a user that may replicate)')
    .requiredOption('--name <name>', 'connector name, unique in the tenant')
    .requiredOption('--host <host>', 'database host')
    .option('--port <port>', 'database port', '5432')
    .requiredOption('--database <database>', 'database name')
    .requiredOption('--user <user>', 'user Flow connects as')
    .option('--password-env <variable>', 'environment variable holding the password', 'PGPASSWORD')
    .option('--sslmode <mode>', 'disable, prefer, require, verify-ca or verify-full', 'prefer')
    .option('--json', 'print the API response as JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`Invalid --port "${options.port}": expected 1 to 65535.`);
      const body = {
        name: options.name,
        type: 'postgres',
        host: options.host,
        port,
        database: options.database,
        user: options.user,
        password: secretFromEnvironment(String(options.passwordEnv), '--password-env'),
        sslmode: options.sslmode,
      };
      await createConnector(body, options.json === true);
    });

  connectors
    .command('test')
    .description('Verify a stored connector again and print the steps that passed')
    .argument('<id>', 'connector id')
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await callApi<{ steps: string[]; connector: ConnectorView }>(apiTargetFromEnvironment(), 'POST', `/connectors/${encodeURIComponent(id)}/test`);
      if (options.json) return printJson(result);
      printFields([
        ['connector', `${result.connector.name} (${result.connector.id})`],
        ['steps passed', result.steps.join(', ')],
        ['verified at', result.connector.verifiedAt],
      ]);
    });
}
