import type { Command } from 'commander';
import { apiTargetFromEnvironment, callApi } from '../api-client.ts';
import { printJson, printTable } from '../output.ts';
import { parseLimit } from './schemas.ts';

interface RunLineageView {
  runId: string;
  pipelineName: string;
  irVersion: number | null;
  finishedAt: string | null;
  rowsWritten: string;
  objects: Array<{ bucket: string; key: string; etag: string; sizeBytes: string; rowsRead: string }>;
  columns: Array<{ target: string; sources: string[]; steps: string[] }>;
}

/** Registers `flow lineage --dataset <id>`: the runs that loaded a dataset, their source objects and column mapping. */
export function registerLineageCommand(program: Command): void {
  program
    .command('lineage')
    .description('Print which source objects and columns produced a dataset\'s rows, by run')
    .requiredOption('--dataset <id>', 'dataset (schema) id')
    .option('--limit <n>', 'runs to print, newest first, 1 to 500', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { dataset: string; limit: string; json?: boolean }) => {
      const result = await callApi<{ dataset: { name: string; tableName: string }; runs: RunLineageView[] }>(apiTargetFromEnvironment(), 'GET', '/lineage', {
        query: { dataset: options.dataset, limit: parseLimit(options.limit) },
      });
      if (options.json) return printJson(result);

      process.stdout.write(`Dataset "${result.dataset.name}" (table ${result.dataset.tableName})\n\n`);
      const objects = result.runs.flatMap((run) => run.objects.map((object) => ({ run, object })));
      printTable(objects, [
        { heading: 'RUN', value: ({ run }) => run.runId },
        { heading: 'PIPELINE', value: ({ run }) => `${run.pipelineName} @${run.irVersion ?? '-'}` },
        { heading: 'OBJECT', value: ({ object }) => `s3://${object.bucket}/${object.key}` },
        { heading: 'ETAG', value: ({ object }) => object.etag },
        { heading: 'BYTES', value: ({ object }) => object.sizeBytes },
        { heading: 'ROWS READ', value: ({ object }) => object.rowsRead },
      ]);
      const newest = result.runs[0];
      if (newest) {
        process.stdout.write(`\nColumns, as IR version ${newest.irVersion ?? '-'} of "${newest.pipelineName}" maps them:\n`);
        printTable(newest.columns, [
          { heading: 'COLUMN', value: (column) => column.target },
          { heading: 'FROM', value: (column) => column.sources.join(', ') || '(none)' },
          { heading: 'STEPS', value: (column) => column.steps.join(' > ') },
        ]);
      }
    });
}
