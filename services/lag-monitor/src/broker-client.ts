import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';

// kafkajs 2.2.4 has no public API for a one-off Fetch or a ListOffsets batched across topics,
// so this file drives the client's own Cluster class, created from the shared Kafka instance
// with its brokers, TLS, SASL, retry and logger settings.
// NOTE: these are kafkajs internals (src/ paths and a private symbol); recheck them when upgrading kafkajs.
const require = createRequire(import.meta.url);
const InstrumentationEventEmitter = require('kafkajs/src/instrumentation/emitter.js') as new () => InstrumentationEmitter;
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as (input: {
  messages: RawRecord[];
  abortedTransactions: AbortedTransaction[];
}) => RawRecord[];

/** Event name kafkajs's connections emit once per request sent to a broker. */
const NETWORK_REQUEST_EVENT = 'network.request';
const CREATE_CLUSTER_SYMBOL = 'private:Kafka:createCluster';
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const NO_REPLICA = -1;
/** Bytes asked for per partition; the broker still returns a whole first batch when it is larger. */
const FETCH_PARTITION_MAX_BYTES = 16_384;
/** Fetch rounds per refresh for partitions whose first batches are only control or aborted records. */
const MAX_FETCH_ROUNDS = 4;

interface InstrumentationEmitter {
  addListener(eventName: string, listener: (event: { payload: { apiName: string; broker: string } }) => void): () => void;
}

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

interface RawRecord {
  offset: string;
  timestamp: string;
  isControlRecord: boolean;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
}

interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  abortedTransactions: AbortedTransaction[];
  messages: RawRecord[];
}

interface LowLevelBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: FetchPartitionResponse[] }[] }>;
}

interface LowLevelCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(request: { nodeId: string }): Promise<LowLevelBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

type CreateCluster = (options: { allowAutoTopicCreation: boolean; isolationLevel: number; instrumentationEmitter: InstrumentationEmitter; metadataMaxAge: number }) => LowLevelCluster;

/** One partition of one topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The first record a group has not consumed yet, or why there is none. */
export type OldestUnconsumed =
  | { kind: 'record'; offset: number; timestampMs: number }
  /** Only transaction markers or aborted records lie between the offset and the log end. */
  | { kind: 'caught-up' }
  /** The fetch returned no record, for example while a transaction is still open. */
  | { kind: 'unknown'; reason: string };

/** Key of a partition in maps: `topic/partition`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** Fetches and ListOffsets requests sent straight to partition leaders. */
export interface BrokerClient {
  /** Log-end offsets (high watermarks), one ListOffsets request per leader. */
  fetchEndOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, number>>;
  /** Reads the first unconsumed record of each partition, one Fetch request per leader and round. */
  fetchOldestUnconsumed(positions: readonly (TopicPartition & { offset: number; endOffset: number })[]): Promise<Map<string, OldestUnconsumed>>;
  disconnect(): Promise<void>;
}

function findCreateCluster(kafka: Kafka): CreateCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((candidate) => candidate.description === CREATE_CLUSTER_SYMBOL);
  const createCluster = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof createCluster !== 'function') {
    throw new Error(`The kafkajs Kafka instance has no "${CREATE_CLUSTER_SYMBOL}" member; the lag monitor supports kafkajs 2.2.x only.`);
  }
  return createCluster as CreateCluster;
}

function groupByTopic<T extends TopicPartition>(partitions: readonly T[]): Map<string, T[]> {
  const byTopic = new Map<string, T[]>();
  for (const entry of partitions) {
    const list = byTopic.get(entry.topic) ?? [];
    list.push(entry);
    byTopic.set(entry.topic, list);
  }
  return byTopic;
}

/**
 * Opens a low-level connection to the cluster of `kafka`. `onRequest` is called once for every
 * request this client sends, which the benchmark uses to count them.
 */
export async function openBrokerClient(kafka: Kafka, onRequest?: (apiName: string) => void): Promise<BrokerClient> {
  const emitter = new InstrumentationEventEmitter();
  if (onRequest) emitter.addListener(NETWORK_REQUEST_EVENT, (event) => onRequest(event.payload.apiName));

  const cluster = findCreateCluster(kafka)({
    allowAutoTopicCreation: false,
    isolationLevel: READ_UNCOMMITTED,
    instrumentationEmitter: emitter,
    metadataMaxAge: 60_000,
  });
  await cluster.connect();

  async function fetchEndOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const ends = new Map<string, number>();
    if (partitions.length === 0) return ends;

    const byTopic = groupByTopic(partitions);
    await cluster.addMultipleTargetTopics([...byTopic.keys()]);
    const response = await cluster.fetchTopicsOffset(
      [...byTopic].map(([topic, list]) => ({ topic, partitions: list.map(({ partition }) => ({ partition })), fromBeginning: false })),
    );
    for (const { topic, partitions: offsets } of response) {
      for (const { partition, offset } of offsets) ends.set(partitionKey(topic, partition), Number(offset));
    }
    return ends;
  }

  /** Sends one Fetch per leader for the given offsets and returns the raw partition responses. */
  async function fetchRound(positions: readonly (TopicPartition & { offset: number })[]): Promise<Map<string, FetchPartitionResponse>> {
    const byLeader = new Map<string, (TopicPartition & { offset: number })[]>();
    for (const [topic, list] of groupByTopic(positions)) {
      const leaders = cluster.findLeaderForPartitions(topic, list.map(({ partition }) => partition));
      for (const [nodeId, partitionIds] of Object.entries(leaders)) {
        const entries = byLeader.get(nodeId) ?? [];
        entries.push(...list.filter(({ partition }) => partitionIds.includes(partition)));
        byLeader.set(nodeId, entries);
      }
    }

    const results = new Map<string, FetchPartitionResponse>();
    await Promise.all(
      [...byLeader].map(async ([nodeId, entries]) => {
        const broker = await cluster.findBroker({ nodeId });
        const response = await broker.fetch({
          replicaId: NO_REPLICA,
          // Aborted records are invisible to read_committed consumers, so they are not lag either.
          isolationLevel: READ_COMMITTED,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: FETCH_PARTITION_MAX_BYTES * entries.length,
          topics: [...groupByTopic(entries)].map(([topic, list]) => ({
            topic,
            partitions: list.map(({ partition, offset }) => ({ partition, fetchOffset: String(offset), maxBytes: FETCH_PARTITION_MAX_BYTES })),
          })),
        });
        for (const { topicName, partitions } of response.responses) {
          for (const partitionResponse of partitions) results.set(partitionKey(topicName, partitionResponse.partition), partitionResponse);
        }
      }),
    );
    return results;
  }

  async function fetchOldestUnconsumed(
    positions: readonly (TopicPartition & { offset: number; endOffset: number })[],
  ): Promise<Map<string, OldestUnconsumed>> {
    const found = new Map<string, OldestUnconsumed>();
    let pending = positions.filter(({ offset, endOffset }) => offset < endOffset);
    if (pending.length === 0) return found;
    await cluster.addMultipleTargetTopics([...groupByTopic(pending).keys()]);

    for (let round = 0; round < MAX_FETCH_ROUNDS && pending.length > 0; round += 1) {
      const responses = await fetchRound(pending);
      const next: typeof pending = [];

      for (const position of pending) {
        const key = partitionKey(position.topic, position.partition);
        const response = responses.get(key);
        if (!response) {
          found.set(key, { kind: 'unknown', reason: 'no fetch response for the partition' });
          continue;
        }
        if (response.errorCode !== 0) {
          found.set(key, { kind: 'unknown', reason: `fetch error code ${response.errorCode}` });
          continue;
        }

        // A batch may start before the requested offset, and control batches carry no data.
        const atOrAfter = response.messages.filter((record) => Number(record.offset) >= position.offset);
        const visible = filterAbortedMessages({ messages: atOrAfter, abortedTransactions: response.abortedTransactions }).filter(
          (record) => !record.isControlRecord,
        );
        const first = visible[0];
        if (first) {
          found.set(key, { kind: 'record', offset: Number(first.offset), timestampMs: Number(first.timestamp) });
          continue;
        }

        const last = atOrAfter.at(-1);
        if (!last) {
          found.set(key, { kind: 'unknown', reason: 'the fetch returned no record at or after the offset (open transaction or offset out of range)' });
          continue;
        }
        const nextOffset = Number(last.offset) + 1;
        if (nextOffset >= position.endOffset) found.set(key, { kind: 'caught-up' });
        else next.push({ ...position, offset: nextOffset });
      }
      pending = next;
    }

    for (const position of pending) {
      found.set(partitionKey(position.topic, position.partition), {
        kind: 'unknown',
        reason: `only transaction markers or aborted records in ${MAX_FETCH_ROUNDS} fetches`,
      });
    }
    return found;
  }

  return {
    fetchEndOffsets,
    fetchOldestUnconsumed,
    disconnect: () => cluster.disconnect(),
  };
}
