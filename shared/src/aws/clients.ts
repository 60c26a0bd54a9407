import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { FlowConfig } from '../config/env.ts';

type AwsConfig = Pick<FlowConfig, 'AWS_ENDPOINT_URL' | 'AWS_REGION'>;

function endpointOptions(config: AwsConfig) {
  // An explicit endpoint (the local moto server) needs path-style bucket addressing.
  if (config.AWS_ENDPOINT_URL === '') return { region: config.AWS_REGION };
  return { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL, forcePathStyle: true };
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
