import type { GroupLag } from '@flow/shared/lag/lag-snapshot';
import type { GroupSample } from './group-status.ts';

/** The samples of each group over the sliding window, oldest first. */
export class StatusWindow {
  readonly #windowMs: number;
  readonly #samples = new Map<string, GroupSample[]>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Adds a sample and drops the group's samples that fell out of the window; returns the group's window. */
  add(timeMs: number, group: GroupLag): readonly GroupSample[] {
    const samples = (this.#samples.get(group.groupId) ?? []).filter((sample) => sample.timeMs >= timeMs - this.#windowMs && sample.timeMs < timeMs);
    samples.push({ timeMs, group });
    this.#samples.set(group.groupId, samples);
    return samples;
  }

  /** Forgets groups that are no longer monitored. */
  retain(groupIds: ReadonlySet<string>): void {
    for (const groupId of this.#samples.keys()) {
      if (!groupIds.has(groupId)) this.#samples.delete(groupId);
    }
  }
}
