import type { Run } from '@flow/shared/runs/run-store';

/** A run as the API returns it: counts as strings, stage timings in milliseconds, the error if any. */
export type RunView = Omit<Run, 'tenantId' | 'errorCode' | 'errorMessage'> & {
  error: { code: string; message: string } | null;
};

export function toRunView(run: Run): RunView {
  const { tenantId: _tenantId, errorCode, errorMessage, ...rest } = run;
  return { ...rest, error: errorCode ? { code: errorCode, message: errorMessage ?? '' } : null };
}
