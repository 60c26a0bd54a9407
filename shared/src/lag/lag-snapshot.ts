/**
 * State of a consumer group as the group coordinator reports it, folded to what operators act on:
 * PreparingRebalance and CompletingRebalance are both `rebalancing`.
 */
export type GroupState = 'stable' | 'rebalancing' | 'empty' | 'dead' | 'unknown';

/**
 * Status of a group over the sliding window, with Burrow's names: OK, WARN (lag growing),
 * STALL (members present but offsets not moving while lag exists) and STOP (no member
 * consuming while lag exists).
 */
export type GroupStatus = 'OK' | 'WARN' | 'STALL' | 'STOP';

export const GROUP_STATUSES: readonly GroupStatus[] = ['OK', 'WARN', 'STALL', 'STOP'];

/** Lag of one group on one partition at one moment. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** Offset the group committed: the next offset it will read. */
  committedOffset: number;
  /** Log-end offset (high watermark) of the partition. */
  endOffset: number;
  /** Messages not consumed yet: end minus committed, or 0 when only transaction markers remain. */
  lagMessages: number;
  /** Seconds since the oldest unconsumed message was produced; 0 when caught up, null when it could not be read. */
  lagSeconds: number | null;
}

/** A member of a group and the partitions assigned to it. */
export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  assignments: { topic: string; partitions: number[] }[];
}

/** Lag of one consumer group at one moment. */
export interface GroupLag {
  groupId: string;
  state: GroupState;
  /** State exactly as the broker named it, such as `PreparingRebalance`. */
  brokerState: string;
  members: GroupMember[];
  partitions: PartitionLag[];
  totalLagMessages: number;
  /** Largest lag in seconds over the partitions; null when no partition's lag in seconds is known. */
  maxLagSeconds: number | null;
}

/** A group's lag with its status, as the monitor stores it after a refresh. */
export interface GroupLagSnapshot extends GroupLag {
  status: GroupStatus;
  /** ISO 8601 time of the refresh that produced the snapshot. */
  sampledAt: string;
}
