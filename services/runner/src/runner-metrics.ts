import { Counter, Histogram, type Registry } from 'prom-client';

export interface RunnerMetrics {
  runs: Counter<'status'>;
  rows: Counter<'outcome'>;
  failures: Counter<'stage' | 'code'>;
  retries: Counter;
  runDuration: Histogram;
  routed: Counter<'outcome'>;
  deadLettered: Counter<'topic'>;
}

export function createRunnerMetrics(registry: Registry): RunnerMetrics {
  const registers = [registry];
  return {
    runs: new Counter({ name: 'flow_runs_total', help: 'Runs ended, by status', labelNames: ['status'], registers }),
    rows: new Counter({ name: 'flow_rows_total', help: 'Rows written or quarantined by runs', labelNames: ['outcome'], registers }),
    failures: new Counter({ name: 'flow_run_failures_total', help: 'Failed runs by stage and error code', labelNames: ['stage', 'code'], registers }),
    retries: new Counter({ name: 'flow_run_retries_total', help: 'Transient failures retried within a run', registers }),
    runDuration: new Histogram({
      name: 'flow_run_duration_seconds',
      help: 'Wall time of runs',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    routed: new Counter({ name: 'flow_router_events_total', help: 'S3 events routed, by outcome', labelNames: ['outcome'], registers }),
    deadLettered: new Counter({ name: 'flow_dead_lettered_messages_total', help: 'Kafka messages sent to the dead-letter topic', labelNames: ['topic'], registers }),
  };
}
