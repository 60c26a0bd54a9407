import { runProcess } from '@flow/shared/runtime/service-context';
import { startLagMonitor } from './lag-monitor-service.ts';

await runProcess('lag-monitor', [startLagMonitor]);
