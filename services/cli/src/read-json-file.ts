import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.ts';

/** Reads and parses a JSON file named on the command line; a missing or invalid file is a usage error. */
export async function readJsonFile(path: string, option: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${option} "${path}": ${(error as Error).message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} "${path}" is not valid JSON: ${(error as Error).message}.`);
  }
}
