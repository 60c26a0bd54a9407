import type { Producer } from 'kafkajs';
import { Topic } from '@flow/shared/kafka/topics';
import type { RunStatus } from '@flow/shared/runs/run-store';

export interface RunEvent {
  runId: string;
  tenantId: string;
  pipelineId: string;
  status: RunStatus;
  at: string;
  rowsRead?: number;
  rowsWritten?: number;
  rowsQuarantined?: number;
  errorCode?: string;
  errorMessage?: string;
}

/** Publishes a run's state change on flow.run-events, keyed by run id. */
export async function publishRunEvent(producer: Producer, event: RunEvent): Promise<void> {
  await producer.send({ topic: Topic.runEvents, messages: [{ key: event.runId, value: JSON.stringify(event) }] });
}
