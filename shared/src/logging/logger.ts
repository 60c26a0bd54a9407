import { pino, type Logger } from 'pino';

/** Log field names shared by every service, so that logs can be joined on them. */
export const LogField = {
  tenant: 'tenant_id',
  pipeline: 'pipeline_id',
  run: 'run_id',
  request: 'request_id',
  topic: 'topic',
  partition: 'partition',
  offset: 'offset',
  group: 'group_id',
  bucket: 'bucket',
  key: 'key',
  service: 'service',
} as const;

export type { Logger };

/** Creates the root logger of a process; services derive children with `.child({ service })`. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.password', '*.secretAccessKey', '*.apiKey', '*.secret', 'headers["x-api-key"]', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
    formatters: { level: (label) => ({ level: label }) },
  });
}
