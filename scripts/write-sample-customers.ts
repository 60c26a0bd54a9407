/**
 * Writes samples/customers.csv, the file the demo uploads: 1,000 invented customers from the
 * seeded generator, so running this again produces the same bytes.
 *
 * Usage: npx node scripts/write-sample-customers.ts
 */
import { writeFileSync } from 'node:fs';
import { customersCsvText } from './lib/customers-csv.ts';

const outputPath = new URL('../samples/customers.csv', import.meta.url);
writeFileSync(outputPath, customersCsvText(1000));
process.stdout.write(`Wrote 1000 customers to ${outputPath.pathname}\n`);
