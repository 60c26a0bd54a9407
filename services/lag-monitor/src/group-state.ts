import type { GroupState } from '@flow/shared/lag/lag-snapshot';

/** Folds a group state name from DescribeGroups into the states the monitor reports. */
export function toGroupState(brokerState: string): GroupState {
  switch (brokerState) {
    case 'Stable':
      return 'stable';
    case 'PreparingRebalance':
    case 'CompletingRebalance':
    // Older brokers name CompletingRebalance AwaitingSync; groups of the consumer protocol (KIP-848) use Assigning and Reconciling.
    case 'AwaitingSync':
    case 'Assigning':
    case 'Reconciling':
      return 'rebalancing';
    case 'Empty':
      return 'empty';
    case 'Dead':
      return 'dead';
    default:
      return 'unknown';
  }
}
