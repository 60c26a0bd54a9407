import { runProcess } from '@flow/shared/runtime/service-context';
import { startS3Bridge } from './s3-bridge-service.ts';

await runProcess('s3-bridge', [startS3Bridge]);
