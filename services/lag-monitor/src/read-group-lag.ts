import type { Admin, GroupDescription } from 'kafkajs';
import type { GroupLag, PartitionLag } from '@flow/shared/lag/lag-snapshot';
import { partitionKey, type BrokerClient, type OldestUnconsumed, type TopicPartition } from './broker-client.ts';
import { toGroupMembers } from './group-members.ts';
import { toGroupState } from './group-state.ts';

/** Stage of a refresh, used as the `stage` label of the error counter and in logs. */
export type RefreshStage = 'refresh' | 'discover' | 'describe' | 'committed-offsets' | 'end-offsets' | 'oldest-message' | 'store' | 'alerts';

export interface ReadGroupLagDependencies {
  admin: Admin;
  brokers: BrokerClient;
  /** Called for a group whose committed offsets could not be read; the group is left out of the result. */
  onGroupError(stage: RefreshStage, groupId: string, error: unknown): void;
}

interface CommittedPosition extends TopicPartition {
  offset: number;
}

async function readCommittedOffsets(admin: Admin, groupId: string): Promise<CommittedPosition[]> {
  const topics = await admin.fetchOffsets({ groupId });
  const positions: CommittedPosition[] = [];
  for (const { topic, partitions } of topics) {
    for (const { partition, offset } of partitions) {
      // -1 means the group has no committed offset on this partition.
      // NOTE: such partitions are not reported at all, where Kafka's tool prints "-" for their lag.
      const committed = Number(offset);
      if (committed >= 0) positions.push({ topic, partition, offset: committed });
    }
  }
  return positions;
}

/**
 * Computes the lag in messages and seconds of one partition. Kafka's own tool reports end minus
 * committed, which counts transaction markers as messages. Here a partition whose unread offsets
 * contain only markers or aborted records has lag 0.
 */
export function toPartitionLag(position: CommittedPosition, endOffset: number, oldest: OldestUnconsumed | undefined, nowMs: number): PartitionLag {
  const base = { topic: position.topic, partition: position.partition, committedOffset: position.offset, endOffset };
  if (position.offset >= endOffset || oldest?.kind === 'caught-up') return { ...base, lagMessages: 0, lagSeconds: 0 };

  const lagMessages = endOffset - position.offset;
  if (oldest?.kind !== 'record') return { ...base, lagMessages, lagSeconds: null };
  // A producer clock ahead of this host's clock would give a negative age.
  return { ...base, lagMessages, lagSeconds: Math.max(0, (nowMs - oldest.timestampMs) / 1000) };
}

function summarize(groupId: string, description: GroupDescription | undefined, partitions: PartitionLag[]): GroupLag {
  const brokerState = description?.state ?? 'Dead';
  const knownSeconds = partitions.map(({ lagSeconds }) => lagSeconds).filter((seconds): seconds is number => seconds !== null);
  return {
    groupId,
    state: toGroupState(brokerState),
    brokerState,
    members: description ? toGroupMembers(description) : [],
    partitions: partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    totalLagMessages: partitions.reduce((sum, { lagMessages }) => sum + lagMessages, 0),
    maxLagSeconds: knownSeconds.length > 0 ? Math.max(...knownSeconds) : null,
  };
}

/**
 * Reads the lag of the given groups. Requests are batched: one DescribeGroups, one OffsetFetch
 * per group, then one ListOffsets and one Fetch (per round) per partition leader for all groups.
 */
export async function readGroupLag(dependencies: ReadGroupLagDependencies, groupIds: readonly string[], now: () => number = Date.now): Promise<GroupLag[]> {
  const { admin, brokers } = dependencies;
  if (groupIds.length === 0) return [];

  const { groups: descriptions } = await admin.describeGroups([...groupIds]);
  const descriptionById = new Map(descriptions.map((description) => [description.groupId, description]));

  // One failing group must not hide the lag of the others.
  const committedByGroup = new Map<string, CommittedPosition[]>();
  await Promise.all(
    groupIds.map(async (groupId) => {
      try {
        committedByGroup.set(groupId, await readCommittedOffsets(admin, groupId));
      } catch (error) {
        dependencies.onGroupError('committed-offsets', groupId, error);
      }
    }),
  );

  const partitions = new Map<string, TopicPartition>();
  for (const positions of committedByGroup.values()) {
    for (const { topic, partition } of positions) partitions.set(partitionKey(topic, partition), { topic, partition });
  }
  const endOffsets = await brokers.fetchEndOffsets([...partitions.values()]);

  // Several groups often sit at the same offset of a partition, so each distinct offset is fetched once.
  const lagging = new Map<string, CommittedPosition & { endOffset: number }>();
  for (const positions of committedByGroup.values()) {
    for (const position of positions) {
      const endOffset = endOffsets.get(partitionKey(position.topic, position.partition));
      if (endOffset !== undefined && position.offset < endOffset) {
        lagging.set(`${partitionKey(position.topic, position.partition)}@${position.offset}`, { ...position, endOffset });
      }
    }
  }
  const oldestByOffset = new Map<string, OldestUnconsumed>();
  const byOffsetGroups = groupDistinctOffsets([...lagging.values()]);
  for (const round of byOffsetGroups) {
    const found = await brokers.fetchOldestUnconsumed(round);
    for (const position of round) {
      const oldest = found.get(partitionKey(position.topic, position.partition));
      if (oldest) oldestByOffset.set(`${partitionKey(position.topic, position.partition)}@${position.offset}`, oldest);
    }
  }

  const nowMs = now();
  const result: GroupLag[] = [];
  for (const groupId of groupIds) {
    const positions = committedByGroup.get(groupId);
    if (!positions) continue;
    const partitionLag: PartitionLag[] = [];
    for (const position of positions) {
      const key = partitionKey(position.topic, position.partition);
      const endOffset = endOffsets.get(key);
      // NOTE: a partition whose topic was deleted has no end offset and is left out.
      if (endOffset === undefined) continue;
      partitionLag.push(toPartitionLag(position, endOffset, oldestByOffset.get(`${key}@${position.offset}`), nowMs));
    }
    result.push(summarize(groupId, descriptionById.get(groupId), partitionLag));
  }
  return result;
}

/**
 * Splits positions into lists in which each partition appears once, because one Fetch request
 * names a partition only once. Most refreshes need a single list.
 */
function groupDistinctOffsets<T extends TopicPartition>(positions: T[]): T[][] {
  const rounds: { keys: Set<string>; positions: T[] }[] = [];
  for (const position of positions) {
    const key = partitionKey(position.topic, position.partition);
    let round = rounds.find((candidate) => !candidate.keys.has(key));
    if (!round) {
      round = { keys: new Set(), positions: [] };
      rounds.push(round);
    }
    round.keys.add(key);
    round.positions.push(position);
  }
  return rounds.map(({ positions: list }) => list);
}
