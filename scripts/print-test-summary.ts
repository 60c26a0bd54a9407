import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Prints one closing line, "tests: N passed, N failed, N skipped", from vitest's JSON report,
 * so that any CI reads the same count. Exits 1 when the report is missing or counts no test.
 */
const reportSchema = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  numTodoTests: z.number().default(0),
});

const path = process.argv[2] ?? '.stack/test/results.json';
let report: z.infer<typeof reportSchema>;
try {
  report = reportSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
} catch (error) {
  console.error(`No readable vitest report at ${path}: ${(error as Error).message}`);
  process.exit(1);
}

const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
if (report.numPassedTests + report.numFailedTests === 0) {
  console.error('The suite ran no test.');
  process.exit(1);
}
