import type { Producer } from 'kafkajs';
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

/** Publishes a run's state change on the run-events topic, keyed by run id. */
export async function publishRunEvent(producer: Producer, topic: string, event: RunEvent): Promise<void> {
  await producer.send({ topic, messages: [{ key: event.runId, value: JSON.stringify(event) }] });
}
