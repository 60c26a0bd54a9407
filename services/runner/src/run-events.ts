import type { Producer } from 'kafkajs';
import type { Logger } from '@flow/shared/logging/logger';
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

/**
 * Publishes a run's state change on the run-events topic, keyed by run id. The events only
 * inform listeners, which also poll the run row, so a failed send is logged and the run goes on.
 */
export async function publishRunEvent(producer: Producer, topic: string, event: RunEvent, logger: Logger): Promise<void> {
  try {
    await producer.send({ topic, messages: [{ key: event.runId, value: JSON.stringify(event) }] });
  } catch (error) {
    logger.warn({ err: error, topic, run_id: event.runId, status: event.status }, 'run event not published');
  }
}
