/** Flow's own Kafka topics within one namespace. */
export interface FlowTopics {
  s3Events: string;
  runRequests: string;
  runEvents: string;
  deadLetter: string;
}

/** Consumer groups of Flow's own services within one namespace. */
export interface FlowGroups {
  router: string;
  runner: string;
}

/**
 * Topic names of a namespace (FLOW_KAFKA_NAMESPACE, default "flow"): `<namespace>.s3-events`
 * and so on. Separate namespaces let several Flow installations, or test runs, share a broker.
 */
export function flowTopics(namespace: string): FlowTopics {
  return {
    s3Events: `${namespace}.s3-events`,
    runRequests: `${namespace}.run-requests`,
    runEvents: `${namespace}.run-events`,
    deadLetter: `${namespace}.dead-letter`,
  };
}

/** Consumer group ids of a namespace: `<namespace>-router` and `<namespace>-runner`. */
export function flowGroups(namespace: string): FlowGroups {
  return { router: `${namespace}-router`, runner: `${namespace}-runner` };
}

/** Topics of the default namespace "flow". */
export const Topic = flowTopics('flow');

/** Consumer groups of the default namespace "flow". */
export const ConsumerGroup = flowGroups('flow');

/** Header on dead-letter messages that carries the reason the original message was rejected. */
export const DEAD_LETTER_REASON_HEADER = 'flow-dead-letter-reason';
