import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Prints the measurements of bench/load-vs-copy.ts as a Markdown table. */
const rowSchema = z.object({
  rows: z.number(),
  fileMiB: z.string(),
  case: z.string(),
  flowSeconds: z.string(),
  copySeconds: z.string(),
  speedVsCopy: z.string(),
  rowsWritten: z.string(),
  runnerPeakRssMiB: z.string(),
});
const rows = z.array(rowSchema).parse(JSON.parse(readFileSync(process.argv[2] ?? 'bench/data/load-vs-copy.json', 'utf8')));

console.log('| rows | file MiB | case | Flow s | psql \\copy s | speed vs \\copy | runner peak RSS MiB |');
console.log('|---:|---:|---|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.rows} | ${row.fileMiB} | ${row.case} | ${row.flowSeconds} | ${row.copySeconds} | ${row.speedVsCopy} | ${row.runnerPeakRssMiB} |`);
}
