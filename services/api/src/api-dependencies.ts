import type { Producer } from 'kafkajs';
import type { ServiceContext } from '@flow/shared/runtime/service-context';

/** Dependencies of the route handlers: the process's service context and the API's Kafka producer. */
export interface ApiDependencies {
  context: ServiceContext;
  /** Publishes run requests; connected when the app becomes ready, disconnected when it closes. */
  producer: Producer;
}
