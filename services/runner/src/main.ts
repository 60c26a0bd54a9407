import { runProcess } from '@flow/shared/runtime/service-context';
import { startRunner } from './runner-service.ts';

await runProcess('runner', [startRunner]);
