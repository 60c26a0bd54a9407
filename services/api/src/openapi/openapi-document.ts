import { z } from 'zod';
import { irDocumentSchema, irNodeSchema } from '@flow/shared/ir/schema';
import { paginationQuerySchema } from '../http/pagination.ts';
import { rowsQuerySchema } from '../datasets/read-dataset-rows.ts';
import { createConnectorBodySchema } from '../routes/connectors.ts';
import { createSchemaBodySchema } from '../routes/schemas.ts';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  // Transforms have no JSON Schema form, so they become {} (any value). Refinements are left out.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const described = jsonSchema(schema) as { properties?: Record<string, JsonSchema> };
  return Object.entries(described.properties ?? {}).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const jsonBody = (schema: JsonSchema) => ({ required: true, content: { 'application/json': { schema } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

interface Operation {
  summary: string;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, unknown>;
  security?: unknown[];
}

function operation(summary: string, status: string, extra: Partial<Operation> = {}): Operation {
  return { summary, ...extra, responses: { [status]: ok(summary), '4XX': errorResponse, '5XX': errorResponse } };
}

/**
 * Builds the OpenAPI 3.1 description of /api/v1. Request bodies and query parameters are
 * generated from the same zod schemas the routes validate with.
 */
export function buildOpenApiDocument(prefix: string): JsonSchema {
  const page = queryParameters(paginationQuerySchema);
  const pipelineBody = {
    type: 'object',
    required: ['name', 'ir'],
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string' }, ir: { $ref: '#/components/schemas/IrDocument' } },
  };
  const irBody = { type: 'object', required: ['ir'], additionalProperties: false, properties: { ir: { $ref: '#/components/schemas/IrDocument' } } };
  const path = (suffix: string) => `${prefix}${suffix}`;

  return {
    openapi: '3.1.0',
    info: { title: 'Flow API', version: '1.0.0', description: 'Pipelines that load S3 CSV drops and CDC streams into PostgreSQL through Kafka.' },
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'object', required: ['code', 'message', 'details'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } },
          },
        },
        IrDocument: { ...jsonSchema(irDocumentSchema), properties: { ...(jsonSchema(irDocumentSchema).properties as JsonSchema), nodes: { type: 'array', items: jsonSchema(irNodeSchema) } } },
      },
    },
    paths: {
      [path('/openapi.json')]: { get: operation('This document', '200', { security: [] }) },
      [path('/connectors')]: {
        post: operation('Create an S3 connector after verifying it (AssumeRole, HeadBucket, ListObjectsV2)', '201', {
          requestBody: jsonBody(jsonSchema(createConnectorBodySchema)),
        }),
        get: operation('List connectors', '200', { parameters: page }),
      },
      [path('/connectors/{id}')]: { get: operation('Get a connector (settings only, never secrets)', '200', { parameters: [idParameter] }) },
      [path('/connectors/{id}/test')]: { post: operation('Verify a stored connector again', '200', { parameters: [idParameter] }) },
      [path('/schemas')]: {
        post: operation('Create a dataset and its table ds_<name>', '201', { requestBody: jsonBody(jsonSchema(createSchemaBodySchema)) }),
        get: operation('List datasets', '200', { parameters: page }),
      },
      [path('/schemas/{id}')]: { get: operation('Get a dataset', '200', { parameters: [idParameter] }) },
      [path('/schemas/{id}/rows')]: {
        get: operation('Read rows of a dataset; numeric and bigint values are strings', '200', {
          parameters: [idParameter, ...queryParameters(rowsQuerySchema)],
        }),
      },
      [path('/pipelines')]: {
        post: operation('Create a pipeline with IR version 1', '201', { requestBody: jsonBody(pipelineBody) }),
        get: operation('List pipelines', '200', { parameters: page }),
      },
      [path('/pipelines/{id}')]: { get: operation('Get a pipeline', '200', { parameters: [idParameter] }) },
      [path('/pipelines/{id}/ir')]: {
        get: operation('Get the current IR version', '200', { parameters: [idParameter] }),
        post: operation('Store a new IR version and make it current', '201', { parameters: [idParameter], requestBody: jsonBody(irBody) }),
      },
      [path('/pipelines/{id}/ir/versions')]: { get: operation('List IR versions', '200', { parameters: [idParameter, ...page] }) },
      [path('/pipelines/{id}/run')]: { post: operation('Queue a manual run', '202', { parameters: [idParameter] }) },
      [path('/pipelines/{id}/runs')]: { get: operation('List runs of a pipeline, newest first', '200', { parameters: [idParameter, ...page] }) },
      [path('/runs/{id}')]: { get: operation('Get a run with its counts, stage timings and error', '200', { parameters: [idParameter] }) },
      [path('/runs/{id}/dead-letter')]: { get: operation('List rows a run quarantined', '200', { parameters: [idParameter, ...page] }) },
      [path('/runs/{id}/replay')]: {
        post: operation('Queue a replay that loads the run\'s archived source objects again with the current IR', '202', { parameters: [idParameter] }),
      },
      [path('/system-health')]: { get: operation('PostgreSQL and Kafka status with recent alerts', '200') },
      [path('/whoami')]: { get: operation('The tenant of the API key: its id and name', '200') },
    },
  };
}
