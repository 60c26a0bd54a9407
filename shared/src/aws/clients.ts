import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { FlowConfig } from '../config/env.ts';

type AwsConfig = Pick<FlowConfig, 'AWS_ENDPOINT_URL' | 'AWS_REGION'>;

/** Credentials an emulator accepts when the environment names none; it checks no signatures by default. */
const emulatorCredentials: AwsCredentialIdentity = { accessKeyId: 'test', secretAccessKey: 'test' };

function endpointOptions(config: AwsConfig) {
  if (config.AWS_ENDPOINT_URL === '') return { region: config.AWS_REGION };
  // With an explicit endpoint (an emulator on this machine), the SDK must never fall back to
  // the EC2 instance metadata service for credentials, so the default chain is replaced.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const fromEnvironment =
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID,
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
          ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
        }
      : emulatorCredentials;
  // Path-style bucket addressing, because an emulator has no per-bucket host names.
  return { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL, forcePathStyle: true, credentials: fromEnvironment };
}

export function createS3Client(config: AwsConfig, credentials?: AwsCredentialIdentity, region?: string): S3Client {
  const options = endpointOptions(config);
  return new S3Client({ ...options, region: region ?? options.region, ...(credentials ? { credentials } : {}) });
}

export function createSqsClient(config: AwsConfig): SQSClient {
  const { forcePathStyle: _unused, ...options } = { forcePathStyle: false, ...endpointOptions(config) };
  return new SQSClient(options);
}

export function createStsClient(config: AwsConfig, credentials?: AwsCredentialIdentity): STSClient {
  const { forcePathStyle: _unused, ...options } = { forcePathStyle: false, ...endpointOptions(config) };
  return new STSClient({ ...options, ...(credentials ? { credentials } : {}) });
}

export function createIamClient(config: AwsConfig): IAMClient {
  const { forcePathStyle: _unused, ...options } = { forcePathStyle: false, ...endpointOptions(config) };
  return new IAMClient(options);
}
