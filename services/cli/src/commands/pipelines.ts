import type { Command } from 'commander';
import { apiTargetFromEnvironment, callApi } from '../api-client.ts';
import { printFields, printJson, printTable, type Column } from '../output.ts';
import { readJsonFile } from '../read-json-file.ts';
import { UsageError } from '../usage-error.ts';

interface PipelineView {
  id: string;
  name: string;
  description: string | null;
  currentIrVersion: number;
  sourceBucket: string | null;
  sourcePrefix: string | null;
  updatedAt: string;
}

const pipelineColumns: Column<PipelineView>[] = [
  { heading: 'ID', value: (row) => row.id },
  { heading: 'NAME', value: (row) => row.name },
  { heading: 'IR', value: (row) => row.currentIrVersion },
  { heading: 'BINDING', value: (row) => (row.sourceBucket ? `s3://${row.sourceBucket}/${row.sourcePrefix ?? ''}` : null) },
  { heading: 'UPDATED', value: (row) => row.updatedAt },
];

/** Registers `flow pipelines list|get|create|ir get|ir set|delete`, which call the API. */
export function registerPipelineCommands(program: Command): void {
  const pipelines = program.command('pipelines').description('Manage pipelines and their IR versions through the API');

  pipelines
    .command('list')
    .description('List the tenant\'s pipelines')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await callApi<{ pipelines: PipelineView[] }>(apiTargetFromEnvironment(), 'GET', '/pipelines', { query: { limit: 500 } });
      if (options.json) return printJson(result);
      printTable(result.pipelines, pipelineColumns);
    });

  pipelines
    .command('get')
    .description('Print a pipeline')
    .argument('<id>', 'pipeline id')
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await callApi<{ pipeline: PipelineView }>(apiTargetFromEnvironment(), 'GET', `/pipelines/${encodeURIComponent(id)}`);
      if (options.json) return printJson(result);
      const pipeline = result.pipeline;
      printFields([
        ['id', pipeline.id],
        ['name', pipeline.name],
        ['description', pipeline.description],
        ['IR version', pipeline.currentIrVersion],
        ['binding', pipeline.sourceBucket ? `s3://${pipeline.sourceBucket}/${pipeline.sourcePrefix ?? ''}` : null],
        ['updated', pipeline.updatedAt],
      ]);
    });

  pipelines
    .command('create')
    .description('Create a pipeline from a JSON file { name, description?, ir }')
    .requiredOption('--file <path>', 'JSON file with the pipeline name, optional description and IR document')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { file: string; json?: boolean }) => {
      const body = await readJsonFile(options.file, '--file');
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError(`--file "${options.file}" must hold a JSON object { name, ir }.`);
      const result = await callApi<{ pipeline: PipelineView }>(apiTargetFromEnvironment(), 'POST', '/pipelines', { body });
      if (options.json) return printJson(result);
      process.stdout.write(`Created pipeline "${result.pipeline.name}" (id ${result.pipeline.id}) with IR version 1.\n`);
    });

  pipelines
    .command('delete')
    .description('Delete a pipeline with its runs; rejected while a run is queued or running')
    .argument('<id>', 'pipeline id')
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await callApi(apiTargetFromEnvironment(), 'DELETE', `/pipelines/${encodeURIComponent(id)}`);
      if (options.json) return printJson(result);
      process.stdout.write(`Deleted pipeline ${id}.\n`);
    });

  const ir = pipelines.command('ir').description('Read or store a pipeline\'s IR');

  ir.command('get')
    .description('Print the current IR version as JSON')
    .argument('<id>', 'pipeline id')
    .option('--json', 'print the whole API response ({ version, ir, createdAt })')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await callApi<{ version: number; ir: unknown }>(apiTargetFromEnvironment(), 'GET', `/pipelines/${encodeURIComponent(id)}/ir`);
      printJson(options.json ? result : result.ir);
    });

  ir.command('set')
    .description('Store the IR in a JSON file as the next version and make it current')
    .argument('<id>', 'pipeline id')
    .requiredOption('--file <path>', 'JSON file with the IR document')
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { file: string; json?: boolean }) => {
      const document = await readJsonFile(options.file, '--file');
      const result = await callApi<{ version: number }>(apiTargetFromEnvironment(), 'POST', `/pipelines/${encodeURIComponent(id)}/ir`, { body: { ir: document } });
      if (options.json) return printJson(result);
      process.stdout.write(`Stored IR version ${result.version} of pipeline ${id}.\n`);
    });
}
