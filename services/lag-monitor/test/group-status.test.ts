import { describe, expect, it } from 'vitest';
import type { GroupLag, GroupState, PartitionLag } from '@flow/shared/lag/lag-snapshot';
import { evaluateGroupStatus, type GroupSample } from '../src/group-status.ts';

const options = { windowMs: 60_000, intervalMs: 10_000 };
const member = { memberId: 'm-1', clientId: 'c', clientHost: '/127.0.0.1', assignments: [] };

/** Builds a sample at `seconds` with one entry per partition: [committed offset, end offset]. */
function sample(seconds: number, offsets: [number, number][], state: GroupState = 'stable'): GroupSample {
  const partitions: PartitionLag[] = offsets.map(([committedOffset, endOffset], partition) => ({
    topic: 't',
    partition,
    committedOffset,
    endOffset,
    lagMessages: endOffset - committedOffset,
    lagSeconds: endOffset > committedOffset ? 1 : 0,
  }));
  const group: GroupLag = {
    groupId: 'flow-test',
    state,
    brokerState: state,
    members: state === 'empty' || state === 'dead' ? [] : [member],
    partitions,
    totalLagMessages: partitions.reduce((sum, { lagMessages }) => sum + lagMessages, 0),
    maxLagSeconds: 0,
  };
  return { timeMs: seconds * 1000, group };
}

/** Samples every 10 seconds from 0 to 60 built by `offsetsAt(step)`. */
function fullWindow(offsetsAt: (step: number) => [number, number][], state: GroupState = 'stable'): GroupSample[] {
  return Array.from({ length: 7 }, (_, step) => sample(step * 10, offsetsAt(step), state));
}

describe('evaluateGroupStatus', () => {
  it('returns OK without samples', () => {
    expect(evaluateGroupStatus([], options)).toBe('OK');
  });

  it('returns OK when caught up', () => {
    expect(evaluateGroupStatus(fullWindow(() => [[100, 100]]), options)).toBe('OK');
  });

  it('returns STOP for an empty group with lag', () => {
    expect(evaluateGroupStatus([sample(0, [[5, 10]], 'empty')], options)).toBe('STOP');
  });

  it('returns STOP for a dead group with lag', () => {
    expect(evaluateGroupStatus([sample(0, [[5, 10]], 'dead')], options)).toBe('STOP');
  });

  it('returns OK for an empty group without lag', () => {
    expect(evaluateGroupStatus([sample(0, [[10, 10]], 'empty')], options)).toBe('OK');
  });

  it('returns STALL when offsets stand still with lag', () => {
    expect(evaluateGroupStatus(fullWindow(() => [[5, 10]]), options)).toBe('STALL');
  });

  it('returns STALL when one partition stands still', () => {
    const samples = fullWindow((step) => [
      [step * 10, step * 10 + 1],
      [5, 10],
    ]);
    expect(evaluateGroupStatus(samples, options)).toBe('STALL');
  });

  it('waits for a full window before STALL', () => {
    const samples = fullWindow(() => [[5, 10]]).slice(0, 3);
    expect(evaluateGroupStatus(samples, options)).toBe('OK');
  });

  it('returns OK when a stuck offset moved inside the window', () => {
    const samples = fullWindow((step) => [[step === 6 ? 6 : 5, 10]]);
    expect(evaluateGroupStatus(samples, options)).toBe('OK');
  });

  it('returns WARN when lag grows while offsets move', () => {
    const samples = fullWindow((step) => [[step * 10, step * 20 + 5]]);
    expect(evaluateGroupStatus(samples, options)).toBe('WARN');
  });

  it('returns WARN when lag grows with flat steps', () => {
    const lags = [5, 5, 8, 8, 9, 12, 12];
    const samples = fullWindow((step) => [[step * 10, step * 10 + lags[step]!]]);
    expect(evaluateGroupStatus(samples, options)).toBe('WARN');
  });

  it('returns OK when lag went down once', () => {
    const lags = [5, 6, 7, 3, 8, 9, 10];
    const samples = fullWindow((step) => [[step * 10, step * 10 + lags[step]!]]);
    expect(evaluateGroupStatus(samples, options)).toBe('OK');
  });

  it('returns OK for steady lag with progress', () => {
    const samples = fullWindow((step) => [[step * 10, step * 10 + 7]]);
    expect(evaluateGroupStatus(samples, options)).toBe('OK');
  });

  it('ignores samples older than the window', () => {
    // The stuck samples at 0 to 60 s fall out of the window that ends at 140 s.
    const old = fullWindow(() => [[5, 10]]);
    const recent = [80, 90, 100, 110, 120, 130, 140].map((seconds) => sample(seconds, [[seconds, seconds + 3]]));
    expect(evaluateGroupStatus([...old, ...recent], options)).toBe('OK');
  });

  it('returns STOP over STALL once members leave', () => {
    const samples = [...fullWindow(() => [[5, 10]]), sample(70, [[5, 10]], 'empty')];
    expect(evaluateGroupStatus(samples, options)).toBe('STOP');
  });
});
