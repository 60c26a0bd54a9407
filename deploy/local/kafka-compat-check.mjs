// Checks kafkajs against the local Kafka broker: admin calls, consumer groups, offsets and transactions.
//
// Usage: node deploy/local/kafka-compat-check.mjs
//   KAFKA_BROKERS  broker list (default 127.0.0.1:59092)
//   KAFKAJS_PATH   kafkajs package folder to load when the repo's node_modules has none,
//                  for example /tmp/kjs/node_modules/kafkajs
//
// Each step prints PASS or FAIL with the broker's error. The script exits 1 when any step fails.
// It creates topics and consumer groups named flow-compat-<run id>-* and deletes them at the end.

import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:59092').split(',');
const stepTimeoutMs = 30_000;
const messageCount = 10;

async function loadKafkajs() {
  try {
    return { module: await import('kafkajs'), source: 'node_modules' };
  } catch (error) {
    if (error.code !== 'ERR_MODULE_NOT_FOUND' || !process.env.KAFKAJS_PATH) {
      throw error;
    }
  }
  const require = createRequire(import.meta.url);
  const packageDir = path.resolve(process.env.KAFKAJS_PATH);
  return { module: require(packageDir), source: packageDir };
}

const { module: kafkajs, source: kafkajsSource } = await loadKafkajs();
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;
const require = createRequire(import.meta.url);
const kafkajsVersion = kafkajsSource === 'node_modules'
  ? require('kafkajs/package.json').version
  : require(path.join(kafkajsSource, 'package.json')).version;

const runId = randomUUID().slice(0, 8);
const plainTopic = `flow-compat-${runId}-plain`;
const txnTopic = `flow-compat-${runId}-txn`;
const groupId = `flow-compat-${runId}-group`;

const kafka = new Kafka({
  clientId: 'flow-kafka-compat-check',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
});

const results = [];

function withTimeout(promise, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function step(name, fn) {
  try {
    const detail = await withTimeout(fn(), name);
    results.push({ name, ok: true });
    console.log(`PASS ${name}${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    results.push({ name, ok: false });
    const kafkaCode = error.type ? ` [${error.type}]` : '';
    console.log(`FAIL ${name}: ${error.name}${kafkaCode}: ${error.message}`);
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

// Consumes until `expected` messages arrived, then returns them. Offsets are committed by the caller.
async function consumeMessages(consumer, topic, expected) {
  const received = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          received.push({ partition, offset: message.offset, value: message.value.toString() });
          if (received.length === expected) {
            resolve();
          }
        },
      })
      .catch(reject);
  });
  return received;
}

function nextOffsets(messages, topic) {
  const maxByPartition = new Map();
  for (const message of messages) {
    const offset = Number(message.offset);
    maxByPartition.set(message.partition, Math.max(maxByPartition.get(message.partition) ?? -1, offset));
  }
  return [...maxByPartition].map(([partition, offset]) => ({ topic, partition, offset: String(offset + 1) }));
}

console.log(`kafkajs ${kafkajsVersion} (${kafkajsSource}) against ${brokers.join(',')}`);

const admin = kafka.admin();
const producer = kafka.producer();
const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
const txnProducer = kafka.producer({
  transactionalId: `flow-compat-${runId}-txn-producer`,
  idempotent: true,
  maxInFlightRequests: 1,
});
let committed = [];

await step('admin connect and describe cluster', async () => {
  await admin.connect();
  const cluster = await admin.describeCluster();
  return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
});

await step('admin create topics', async () => {
  const created = await admin.createTopics({
    topics: [
      { topic: plainTopic, numPartitions: 3, replicationFactor: 1 },
      { topic: txnTopic, numPartitions: 1, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  assert(created, 'createTopics returned false, so the topics already existed');
  const metadata = await admin.fetchTopicMetadata({ topics: [plainTopic] });
  const partitions = metadata.topics[0].partitions.length;
  assert(partitions === 3, `expected 3 partitions, metadata lists ${partitions}`);
  return `${plainTopic} has ${partitions} partitions`;
});

await step('produce', async () => {
  await producer.connect();
  const messages = Array.from({ length: messageCount }, (_, i) => ({
    key: `key-${i}`,
    value: `value-${i}`,
    headers: { source: 'compat-check' },
  }));
  const records = await producer.send({ topic: plainTopic, messages });
  return `${messageCount} messages, ${records.length} partition acknowledgement(s)`;
});

await step('consume in a consumer group and commit offsets', async () => {
  await consumer.connect();
  const received = await consumeMessages(consumer, plainTopic, messageCount);
  committed = nextOffsets(received, plainTopic);
  await consumer.commitOffsets(committed);
  return `${received.length} messages received, committed ${JSON.stringify(committed.map((c) => [c.partition, c.offset]))}`;
});

await step('admin describe groups', async () => {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  assert(group.errorCode === 0, `describeGroups error code ${group.errorCode}`);
  assert(group.state === 'Stable', `expected state Stable, got ${group.state}`);
  assert(group.members.length === 1, `expected 1 member, got ${group.members.length}`);
  assert(group.protocolType === 'consumer', `expected protocol type consumer, got ${group.protocolType}`);
  return `state ${group.state}, protocol ${group.protocol}, ${group.members.length} member`;
});

const secondConsumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });

await step('second group member joins and group rebalances', async () => {
  await secondConsumer.connect();
  await secondConsumer.subscribe({ topic: plainTopic, fromBeginning: true });
  await secondConsumer.run({ autoCommit: false, eachMessage: async () => {} });
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    const assigned = group.members.filter((m) => m.memberAssignment.length > 0);
    if (group.state === 'Stable' && group.members.length === 2 && assigned.length === 2) {
      return `state ${group.state}, 2 members with assignments`;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

await secondConsumer.disconnect().catch(() => {});

await step('admin fetch committed offsets', async () => {
  const [topicOffsets] = await admin.fetchOffsets({ groupId, topics: [plainTopic] });
  for (const expected of committed) {
    const actual = topicOffsets.partitions.find((p) => p.partition === expected.partition);
    assert(actual, `no offset returned for partition ${expected.partition}`);
    assert(actual.offset === expected.offset, `partition ${expected.partition}: expected ${expected.offset}, got ${actual.offset}`);
  }
  return JSON.stringify(topicOffsets.partitions.map((p) => [p.partition, p.offset]));
});

await consumer.disconnect().catch(() => {});

await step('transactional producer send and commit', async () => {
  await txnProducer.connect();
  const transaction = await txnProducer.transaction();
  await transaction.send({ topic: txnTopic, messages: [{ key: 'txn', value: 'committed-1' }] });
  await transaction.send({ topic: txnTopic, messages: [{ key: 'txn', value: 'committed-2' }] });
  await transaction.commit();
});

await step('transactional producer send and abort', async () => {
  const transaction = await txnProducer.transaction();
  await transaction.send({ topic: txnTopic, messages: [{ key: 'txn', value: 'aborted' }] });
  await transaction.abort();
});

await step('transaction sendOffsets for a consumer group', async () => {
  const transaction = await txnProducer.transaction();
  await transaction.send({ topic: txnTopic, messages: [{ key: 'txn', value: 'committed-3' }] });
  await transaction.sendOffsets({
    consumerGroupId: `${groupId}-txn`,
    topics: [{ topic: plainTopic, partitions: [{ partition: 0, offset: '1' }] }],
  });
  await transaction.commit();
  // commit() returns once the coordinator has logged the decision, and the broker writes the commit
  // markers after that. Right after a broker restart, a fetch straight after commit() read -1, so
  // the check polls until the step timeout.
  for (;;) {
    const [topicOffsets] = await admin.fetchOffsets({ groupId: `${groupId}-txn`, topics: [plainTopic] });
    const partition0 = topicOffsets.partitions.find((p) => p.partition === 0);
    if (partition0?.offset === '1') {
      return;
    }
    assert(partition0?.offset === '-1', `expected offset 1 (or -1 before the commit markers), got ${partition0?.offset}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

await txnProducer.disconnect().catch(() => {});

await step('read_committed consumer skips aborted messages', async () => {
  const reader = kafka.consumer({ groupId: `${groupId}-reader`, readUncommitted: false });
  await reader.connect();
  try {
    const received = await consumeMessages(reader, txnTopic, 3);
    const values = received.map((m) => m.value);
    assert(!values.includes('aborted'), `aborted message was delivered: ${values.join(', ')}`);
    assert(values.join(',') === 'committed-1,committed-2,committed-3', `unexpected values: ${values.join(', ')}`);
    return values.join(', ');
  } finally {
    await reader.disconnect();
  }
});

await step('admin delete topics and groups', async () => {
  await admin.deleteTopics({ topics: [plainTopic, txnTopic] });
  await admin.deleteGroups([groupId, `${groupId}-txn`, `${groupId}-reader`]);
});

await producer.disconnect().catch(() => {});
await admin.disconnect().catch(() => {});

const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
