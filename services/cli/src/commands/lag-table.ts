import { z } from 'zod';

const partitionSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  committedOffset: z.number(),
  endOffset: z.number(),
  lagMessages: z.number(),
  lagSeconds: z.number().nullable(),
});

const groupSchema = z.object({
  groupId: z.string(),
  state: z.string(),
  status: z.enum(['OK', 'WARN', 'STALL', 'STOP']),
  partitions: z.array(partitionSchema),
});

/** Body of `GET /api/v1/streams/lag`, checked because it comes over the network. */
export const lagResponseSchema = z.object({
  sampledAt: z.string().nullable(),
  groups: z.array(groupSchema),
});

export type LagResponse = z.infer<typeof lagResponseSchema>;

const HEADER = ['GROUP', 'TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'LAG SECONDS', 'STATUS'];
const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

/**
 * Formats lag as an aligned text table, one line per partition. With `colour`, rows of groups
 * that are not OK are red (STALL, STOP) or yellow (WARN).
 */
export function formatLagTable(response: LagResponse, colour: boolean): string {
  const rows: { cells: string[]; status: string }[] = [];
  for (const group of response.groups) {
    if (group.partitions.length === 0) {
      rows.push({ cells: [group.groupId, '-', '-', '-', '-', '-', '-', group.status], status: group.status });
    }
    for (const partition of group.partitions) {
      rows.push({
        cells: [
          group.groupId,
          partition.topic,
          String(partition.partition),
          String(partition.committedOffset),
          String(partition.endOffset),
          String(partition.lagMessages),
          partition.lagSeconds === null ? '-' : partition.lagSeconds.toFixed(1),
          group.status,
        ],
        status: group.status,
      });
    }
  }

  const widths = HEADER.map((title, column) => Math.max(title.length, ...rows.map(({ cells }) => cells[column]!.length)));
  const render = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const lines = [render(HEADER)];
  for (const { cells, status } of rows) {
    const line = render(cells);
    if (!colour || status === 'OK') lines.push(line);
    else lines.push(`${status === 'WARN' ? YELLOW : RED}${line}${RESET}`);
  }
  if (rows.length === 0) lines.push('(no consumer groups: is the lag monitor running?)');
  return lines.join('\n');
}
