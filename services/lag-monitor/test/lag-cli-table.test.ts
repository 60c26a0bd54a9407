import { describe, expect, it } from 'vitest';
import { formatLagTable, type LagResponse } from '../../cli/src/commands/lag-table.ts';

const response: LagResponse = {
  sampledAt: '2026-12-04T20:00:00.000Z',
  groups: [
    { groupId: 'flow-runner', state: 'stable', status: 'OK', partitions: [{ topic: 'flow.run-requests', partition: 0, committedOffset: 10, endOffset: 10, lagMessages: 0, lagSeconds: 0 }] },
    { groupId: 'flow-router', state: 'empty', status: 'STOP', partitions: [{ topic: 'flow.s3-events', partition: 2, committedOffset: 3, endOffset: 9, lagMessages: 6, lagSeconds: null }] },
  ],
};

describe('flow lag table', () => {
  it('prints one aligned row per partition', () => {
    const lines = formatLagTable(response, false).split('\n');

    expect(lines[0]).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+LAG SECONDS\s+STATUS$/);
    expect(lines[1]).toMatch(/^flow-runner\s+flow\.run-requests\s+0\s+10\s+10\s+0\s+0\.0\s+OK$/);
    expect(lines[2]).toMatch(/^flow-router\s+flow\.s3-events\s+2\s+3\s+9\s+6\s+-\s+STOP$/);
    expect(lines[1]!.indexOf('flow.run-requests')).toBe(lines[2]!.indexOf('flow.s3-events'));
  });

  it('colours groups that are not OK', () => {
    const lines = formatLagTable(response, true).split('\n');

    expect(lines[1]).not.toContain('\x1b[');
    expect(lines[2]!.startsWith('\x1b[31m')).toBe(true);
  });

  it('says when there are no groups', () => {
    expect(formatLagTable({ sampledAt: null, groups: [] }, false)).toContain('no consumer groups');
  });
});
