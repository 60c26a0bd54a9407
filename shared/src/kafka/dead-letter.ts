import type { KafkaMessage, Producer } from 'kafkajs';
import { DEAD_LETTER_REASON_HEADER } from './topics.ts';

/**
 * Sends a message that could not be parsed to the dead-letter topic, with the reason and its
 * origin in headers. Callers commit the original's offset only after this send succeeds.
 */
export async function sendToDeadLetter(
  producer: Producer,
  deadLetterTopic: string,
  origin: { topic: string; partition: number; message: KafkaMessage },
  reason: string,
): Promise<void> {
  await producer.send({
    topic: deadLetterTopic,
    acks: -1,
    messages: [
      {
        key: origin.message.key,
        value: origin.message.value,
        headers: {
          ...origin.message.headers,
          [DEAD_LETTER_REASON_HEADER]: reason,
          'flow-origin-topic': origin.topic,
          'flow-origin-partition': String(origin.partition),
          'flow-origin-offset': origin.message.offset,
        },
      },
    ],
  });
}
