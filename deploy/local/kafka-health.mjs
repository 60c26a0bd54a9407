// Health check for the local Kafka broker. Sends a metadata request with kafkajs and exits 0 when
// the response lists a broker and a controller. Used by deploy/local/kafka.sh.
//
//   KAFKA_BROKERS  broker list (default 127.0.0.1:59092)
//   KAFKAJS_PATH   kafkajs package folder to load when the repo's node_modules has none

import { createRequire } from 'node:module';
import path from 'node:path';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:59092').split(',');

async function loadKafkajs() {
  if (process.env.KAFKAJS_PATH) {
    return createRequire(import.meta.url)(path.resolve(process.env.KAFKAJS_PATH));
  }
  return import('kafkajs');
}

const kafkajs = await loadKafkajs();
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;

const kafka = new Kafka({
  clientId: 'flow-stack-health',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  retry: { retries: 0 },
});
const admin = kafka.admin();

try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0 || cluster.controller === null) {
    throw new Error(`metadata lists ${cluster.brokers.length} broker(s) and controller ${cluster.controller}`);
  }
  await admin.listTopics();
  console.log(`cluster ${cluster.clusterId}, brokers ${cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')}`);
} catch (error) {
  console.error(`Kafka health check against ${brokers.join(',')} failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect().catch(() => {});
}
