import type { GroupLag, GroupStatus } from '@flow/shared/lag/lag-snapshot';

/** A group's lag at one refresh. */
export interface GroupSample {
  timeMs: number;
  group: GroupLag;
}

export interface StatusOptions {
  /** Length of the sliding window, in milliseconds. */
  windowMs: number;
  /** Time between refreshes, in milliseconds; the window counts as full once its samples span windowMs minus one interval. */
  intervalMs: number;
}

function hasMembers(sample: GroupSample): boolean {
  return sample.group.members.length > 0;
}

/**
 * Tells whether a partition stalled: it had lag in every sample of a full window and its
 * committed offset never moved.
 */
function hasStalledPartition(window: readonly GroupSample[]): boolean {
  const latest = window.at(-1)!;
  return latest.group.partitions.some((partition) => {
    if (partition.lagMessages === 0) return false;
    return window.every((sample) => {
      const earlier = sample.group.partitions.find((candidate) => candidate.topic === partition.topic && candidate.partition === partition.partition);
      return earlier !== undefined && earlier.lagMessages > 0 && earlier.committedOffset === partition.committedOffset;
    });
  });
}

/** True when the total lag never went down from one sample to the next and ends higher than it started. */
function isLagGrowing(window: readonly GroupSample[]): boolean {
  for (let index = 1; index < window.length; index += 1) {
    if (window[index]!.group.totalLagMessages < window[index - 1]!.group.totalLagMessages) return false;
  }
  return window.at(-1)!.group.totalLagMessages > window[0]!.group.totalLagMessages;
}

/**
 * Judges a group over the samples of the sliding window ending at the newest sample; samples
 * must be in time order, and older ones are ignored.
 *
 * - OK: no lag now, or lag that is not growing while offsets move.
 * - STOP: lag while the group has no members (Empty or Dead), so nobody commits.
 * - STALL: lag while members exist, but some lagging partition's committed offset did not move in a full window.
 * - WARN: offsets move, but the total lag grew over a full window without ever going down.
 *
 * NOTE: OffsetFetch carries no commit time, so a consumer that commits the same offset again
 * cannot be told apart from one that stopped committing. Membership decides between STALL and STOP.
 */
export function evaluateGroupStatus(samples: readonly GroupSample[], options: StatusOptions): GroupStatus {
  const latest = samples.at(-1);
  if (!latest || latest.group.totalLagMessages === 0) return 'OK';
  if (latest.group.state === 'empty' || latest.group.state === 'dead' || !hasMembers(latest)) return 'STOP';

  const window = samples.filter((sample) => sample.timeMs >= latest.timeMs - options.windowMs);
  const spanMs = latest.timeMs - window[0]!.timeMs;
  const isFull = window.length >= 2 && spanMs >= options.windowMs - options.intervalMs;
  if (!isFull) return 'OK';

  if (hasStalledPartition(window)) return 'STALL';
  if (isLagGrowing(window)) return 'WARN';
  return 'OK';
}
