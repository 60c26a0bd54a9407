import { runProcess } from '@flow/shared/runtime/service-context';
import { startApi } from './api-service.ts';

await runProcess('api', [startApi]);
