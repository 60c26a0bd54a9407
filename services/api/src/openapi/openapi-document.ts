import { z } from 'zod';
import { irDocumentSchema, irNodeSchema } from '@flow/shared/ir/schema';
import { paginationQuerySchema } from '../http/pagination.ts';
import { rowsQuerySchema } from '../datasets/read-dataset-rows.ts';
import { ErrorCode } from '@flow/shared/errors/catalog';
import { createApiKeyBodySchema } from '../routes/api-keys.ts';
import { createConnectorBodySchema } from '../routes/connectors.ts';
import { lineageQuerySchema } from '../routes/lineage.ts';
import { updatePipelineBodySchema } from '../routes/pipelines.ts';
import { addFieldBodySchema, createSchemaBodySchema } from '../routes/schemas.ts';
import { responseSchemas } from './response-schemas.ts';

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

/** Description of the Error schema: every error code with its HTTP status. */
function errorCodeTable(): string {
  const rows = Object.entries(ErrorCode).map(([code, entry]) => `- \`${code}\` (${entry.status})`);
  return ['Every error response has this body. `error.code` is one of:', ...rows].join('\n');
}

/** Replaces each operation's generic success schema with the declared response schema of that route. */
function attachResponseSchemas(paths: Record<string, Record<string, Operation>>, prefix: string): void {
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, described] of Object.entries(operations)) {
      const schema = responseSchemas[`${method.toUpperCase()} ${path.slice(prefix.length)}`];
      if (!schema) continue;
      for (const [status, response] of Object.entries(described.responses)) {
        if (!status.startsWith('2')) continue;
        const { description } = response as { description: string };
        described.responses[status] = { description, content: { 'application/json': { schema: jsonSchema(schema) } } };
      }
    }
  }
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

  const document = {
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
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: { code: { type: 'string', enum: Object.keys(ErrorCode) }, message: { type: 'string' }, details: {} },
            },
          },
          description: errorCodeTable(),
        },
        IrDocument: { ...jsonSchema(irDocumentSchema), properties: { ...(jsonSchema(irDocumentSchema).properties as JsonSchema), nodes: { type: 'array', items: jsonSchema(irNodeSchema) } } },
      },
    },
    paths: {
      [path('/openapi.json')]: { get: operation('This document', '200', { security: [] }) },
      [path('/connectors')]: {
        post: operation('Create an S3 or PostgreSQL connector after verifying it; a failed step is named in the error', '201', {
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
      [path('/schemas/{id}')]: {
        get: operation('Get a dataset', '200', { parameters: [idParameter] }),
        delete: operation('Delete a dataset and drop its table; 409 while a pipeline loads into it', '200', { parameters: [idParameter] }),
      },
      [path('/schemas/{id}/fields')]: {
        post: operation('Add a nullable column to a dataset', '201', { parameters: [idParameter], requestBody: jsonBody(jsonSchema(addFieldBodySchema)) }),
      },
      [path('/schemas/{id}/rows')]: {
        get: operation('Read rows of a dataset; numeric and bigint values are strings', '200', {
          parameters: [
            idParameter,
            ...queryParameters(rowsQuerySchema),
            {
              name: 'filter',
              in: 'query',
              required: false,
              style: 'deepObject',
              explode: true,
              description: 'filter[field]=value for equality, filter[field][gt|gte|lt|lte|eq]=value for comparisons; values must parse as the field type',
              schema: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }] } },
            },
          ],
        }),
      },
      [path('/pipelines')]: {
        post: operation('Create a pipeline with IR version 1', '201', { requestBody: jsonBody(pipelineBody) }),
        get: operation('List pipelines', '200', { parameters: page }),
      },
      [path('/pipelines/{id}')]: {
        get: operation('Get a pipeline', '200', { parameters: [idParameter] }),
        patch: operation('Change name, description or S3 binding; a binding change stores a new IR version', '200', {
          parameters: [idParameter],
          requestBody: jsonBody(jsonSchema(updatePipelineBodySchema)),
        }),
        delete: operation('Delete a pipeline with its runs; 409 while a run is queued or running', '200', { parameters: [idParameter] }),
      },
      [path('/pipelines/{id}/ir')]: {
        get: operation('Get the current IR version', '200', { parameters: [idParameter] }),
        post: operation('Store a new IR version and make it current', '201', { parameters: [idParameter], requestBody: jsonBody(irBody) }),
      },
      [path('/pipelines/{id}/ir/versions')]: { get: operation('List IR versions', '200', { parameters: [idParameter, ...page] }) },
      [path('/pipelines/{id}/run')]: { post: operation('Queue a manual run', '202', { parameters: [idParameter] }) },
      [path('/pipelines/{id}/runs')]: { get: operation('List runs of a pipeline, newest first', '200', { parameters: [idParameter, ...page] }) },
      [path('/runs/{id}')]: { get: operation('Get a run with its counts, stage timings and error', '200', { parameters: [idParameter] }) },
      [path('/runs/{id}/events')]: {
        get: {
          summary: 'Run state as server-sent events: the current state, then each change; the stream closes when the run ends',
          parameters: [idParameter],
          responses: {
            '200': { description: 'event: run, data: the run as GET /runs/{id} returns it', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '4XX': errorResponse,
            '5XX': errorResponse,
          },
        },
      },
      [path('/runs/{id}/lineage')]: { get: operation('Source objects, pipeline, IR version and column mapping of a run', '200', { parameters: [idParameter] }) },
      [path('/lineage')]: { get: operation('Runs that loaded a dataset, with their source objects and column mapping', '200', { parameters: queryParameters(lineageQuerySchema) }) },
      [path('/api-keys')]: {
        post: operation('Create an API key for the caller\'s tenant; the key is in this response only', '201', {
          requestBody: { required: false, content: { 'application/json': { schema: jsonSchema(createApiKeyBodySchema) } } },
        }),
        get: operation('List the tenant\'s API keys: prefixes, names, created and revoked times', '200', { parameters: page }),
      },
      [path('/api-keys/{id}')]: { delete: operation('Revoke an API key; the next request with it gets 401', '200', { parameters: [idParameter] }) },
      [path('/runs/{id}/dead-letter')]: { get: operation('List rows a run quarantined', '200', { parameters: [idParameter, ...page] }) },
      [path('/runs/{id}/replay')]: {
        post: operation('Queue a replay that loads the run\'s archived source objects again with the current IR', '202', { parameters: [idParameter] }),
      },
      [path('/system-health')]: { get: operation('PostgreSQL and Kafka status with recent alerts', '200') },
      [path('/whoami')]: { get: operation('The tenant of the API key: its id and name', '200') },
    },
  };
  attachResponseSchemas(document.paths as unknown as Record<string, Record<string, Operation>>, prefix);
  return document;
}
