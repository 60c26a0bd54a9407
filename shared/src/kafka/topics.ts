/** Flow's own Kafka topics. */
export const Topic = {
  s3Events: 'flow.s3-events',
  runRequests: 'flow.run-requests',
  runEvents: 'flow.run-events',
  deadLetter: 'flow.dead-letter',
} as const;

/** Consumer groups of Flow's own services. */
export const ConsumerGroup = {
  router: 'flow-router',
  runner: 'flow-runner',
} as const;

/** Header on dead-letter messages that says why the original message was rejected. */
export const DEAD_LETTER_REASON_HEADER = 'flow-dead-letter-reason';
