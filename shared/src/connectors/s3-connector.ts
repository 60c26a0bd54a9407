import { HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { z } from 'zod';
import { createS3Client, createStsClient } from '../aws/clients.ts';
import type { FlowConfig } from '../config/env.ts';
import { flowError } from '../errors/catalog.ts';

/** Body of an S3 connector as the API accepts it. */
export const s3ConnectorInputSchema = z.discriminatedUnion('authMethod', [
  z
    .object({
      authMethod: z.literal('iam_role'),
      bucket: z.string().min(3).max(63),
      region: z.string().min(1).optional(),
      /** Role Flow assumes to read the bucket. */
      roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN, arn:aws:iam::<account>:role/<name>'),
      /** External id the role's trust policy requires (sts:ExternalId). */
      externalId: z.string().min(2).max(1224),
    })
    .strict(),
  z
    .object({
      authMethod: z.literal('access_key'),
      bucket: z.string().min(3).max(63),
      region: z.string().min(1).optional(),
      accessKeyId: z.string().min(16).max(128),
      secretAccessKey: z.string().min(1),
    })
    .strict(),
  z
    .object({
      authMethod: z.literal('default'),
      bucket: z.string().min(3).max(63),
      region: z.string().min(1).optional(),
    })
    .strict(),
]);
export type S3ConnectorInput = z.infer<typeof s3ConnectorInputSchema>;

/** Settings stored in clear; the API may return them. */
export interface S3ConnectorSettings {
  authMethod: 'iam_role' | 'access_key' | 'default';
  bucket: string;
  region?: string;
  roleArn?: string;
  accessKeyId?: string;
}

/** Settings stored encrypted; never returned by the API nor logged. */
export interface S3ConnectorSecrets {
  externalId?: string;
  secretAccessKey?: string;
}

export function splitS3ConnectorInput(input: S3ConnectorInput): { settings: S3ConnectorSettings; secrets: S3ConnectorSecrets } {
  switch (input.authMethod) {
    case 'iam_role':
      return {
        settings: { authMethod: 'iam_role', bucket: input.bucket, region: input.region, roleArn: input.roleArn },
        secrets: { externalId: input.externalId },
      };
    case 'access_key':
      return {
        settings: { authMethod: 'access_key', bucket: input.bucket, region: input.region, accessKeyId: input.accessKeyId },
        secrets: { secretAccessKey: input.secretAccessKey },
      };
    case 'default':
      return { settings: { authMethod: 'default', bucket: input.bucket, region: input.region }, secrets: {} };
  }
}

export type VerificationStep = 'assume_role' | 'head_bucket' | 'list_objects';

function stepFailed(step: VerificationStep, bucket: string, error: unknown) {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const advice: Record<VerificationStep, string> = {
    assume_role: 'Check the role ARN, and that its trust policy allows Flow with this external id.',
    head_bucket: `Check that bucket "${bucket}" exists in the region and that the role may s3:ListBucket on it.`,
    list_objects: `Check that the role may s3:ListBucket on bucket "${bucket}".`,
  };
  return flowError('CONNECTOR_VERIFICATION_FAILED', `Connector verification failed at step ${step}: ${reason}. ${advice[step]}`, {
    details: { step, bucket },
    cause: error,
  });
}

/** Resolves the credentials the connector reads with; for iam_role this calls STS AssumeRole. */
export async function resolveS3Credentials(
  config: Pick<FlowConfig, 'AWS_ENDPOINT_URL' | 'AWS_REGION'>,
  settings: S3ConnectorSettings,
  secrets: S3ConnectorSecrets,
): Promise<AwsCredentialIdentity | undefined> {
  if (settings.authMethod === 'default') return undefined;
  if (settings.authMethod === 'access_key') {
    return { accessKeyId: settings.accessKeyId ?? '', secretAccessKey: secrets.secretAccessKey ?? '' };
  }
  const sts = createStsClient(config);
  try {
    const response = await sts.send(
      new AssumeRoleCommand({
        RoleArn: settings.roleArn,
        RoleSessionName: 'flow-connector',
        ExternalId: secrets.externalId,
        DurationSeconds: 3600,
      }),
    );
    const credentials = response.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
      throw new Error('STS AssumeRole returned no credentials');
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    };
  } catch (error) {
    throw stepFailed('assume_role', settings.bucket, error);
  } finally {
    sts.destroy();
  }
}

/** Creates an S3 client with the connector's credentials. */
export async function connectS3(
  config: Pick<FlowConfig, 'AWS_ENDPOINT_URL' | 'AWS_REGION'>,
  settings: S3ConnectorSettings,
  secrets: S3ConnectorSecrets,
): Promise<S3Client> {
  const credentials = await resolveS3Credentials(config, settings, secrets);
  return createS3Client(config, credentials, settings.region);
}

/**
 * Verifies an S3 connector in three steps: STS AssumeRole (iam_role only), HeadBucket,
 * ListObjectsV2. The error of a failed step names the step.
 */
export async function verifyS3Connector(
  config: Pick<FlowConfig, 'AWS_ENDPOINT_URL' | 'AWS_REGION'>,
  settings: S3ConnectorSettings,
  secrets: S3ConnectorSecrets,
): Promise<{ steps: VerificationStep[] }> {
  const steps: VerificationStep[] = [];
  const s3 = await connectS3(config, settings, secrets);
  if (settings.authMethod === 'iam_role') steps.push('assume_role');
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: settings.bucket }));
      steps.push('head_bucket');
    } catch (error) {
      throw stepFailed('head_bucket', settings.bucket, error);
    }
    try {
      await s3.send(new ListObjectsV2Command({ Bucket: settings.bucket, MaxKeys: 1 }));
      steps.push('list_objects');
    } catch (error) {
      throw stepFailed('list_objects', settings.bucket, error);
    }
    return { steps };
  } finally {
    s3.destroy();
  }
}
