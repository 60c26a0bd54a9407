import { z } from 'zod';
import { ConfigError } from '@flow/shared/config/env';

/** Prefix of the consumer groups Flow's own services run; every such group is monitored. */
export const FLOW_GROUP_PREFIX = 'flow-';

const groupList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((group) => group.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().max(255, 'a consumer group id has at most 255 characters')));

const seconds = (defaultValue: number, max: number) => z.coerce.number().positive().max(max).default(defaultValue);

/** Environment variables of the lag monitor, on top of the ones every Flow process reads. */
const lagMonitorEnvSchema = z
  .object({
    /** Extra consumer groups to monitor, comma-separated. Groups starting with "flow-" are always monitored. Default none. */
    FLOW_LAG_GROUPS: groupList,
    /** Length of the sliding window that group status is judged over, in seconds. Default 300. */
    FLOW_LAG_WINDOW_SECONDS: seconds(300, 86_400),
    /** Seconds between two refreshes. Default 10. */
    FLOW_LAG_INTERVAL_SECONDS: seconds(10, 3_600),
    /** Seconds a group must stay in WARN, STALL or STOP before an alert is raised. Default 60. */
    FLOW_LAG_ALERT_AFTER_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  })
  .refine((config) => config.FLOW_LAG_INTERVAL_SECONDS <= config.FLOW_LAG_WINDOW_SECONDS, {
    message: 'FLOW_LAG_INTERVAL_SECONDS must not exceed FLOW_LAG_WINDOW_SECONDS, or the window never contains two samples',
    path: ['FLOW_LAG_INTERVAL_SECONDS'],
  });

export interface LagMonitorConfig {
  /** Groups named in FLOW_LAG_GROUPS, monitored in addition to the "flow-" groups. */
  extraGroups: readonly string[];
  windowMs: number;
  intervalMs: number;
  alertAfterMs: number;
}

/** Parses the lag monitor's variables once, reporting every invalid one, and returns a frozen configuration. */
export function loadLagMonitorConfig(env: NodeJS.ProcessEnv = process.env): LagMonitorConfig {
  const result = lagMonitorEnvSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '');
        return `${name}=${JSON.stringify(env[name])}: ${issue.message}`;
      }),
    );
  }

  const parsed = result.data;
  return Object.freeze({
    extraGroups: Object.freeze([...new Set(parsed.FLOW_LAG_GROUPS)]),
    windowMs: parsed.FLOW_LAG_WINDOW_SECONDS * 1000,
    intervalMs: parsed.FLOW_LAG_INTERVAL_SECONDS * 1000,
    alertAfterMs: parsed.FLOW_LAG_ALERT_AFTER_SECONDS * 1000,
  });
}
