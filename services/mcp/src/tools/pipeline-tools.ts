import { z } from 'zod';
import { irResponseSchema, pipelineListResponseSchema, pipelineSchema } from '../api-schemas.ts';
import { defineFlowTool } from './register-flow-tool.ts';

export const pipelineIdInput = z.string().min(1).max(200).describe('Pipeline id (UUID), as listFlowPipelines returns it.');

const irDocumentInput = z
  .record(z.string(), z.unknown())
  .describe(
    'Complete IR 1.0 document: {"irVersion": "1.0", "nodes": [...], "edges": [[fromId, toId], ...], "errorHandling": {...}}. ' +
      'Nodes form one path source -> transform* -> validate* -> target. errorHandling has onRowError (quarantine, skip or fail), ' +
      'maxErrorRatio (0 to 1) and retry. Start from the document getFlowPipelineIr returns and change only what you need.',
  );

export const listFlowPipelines = defineFlowTool({
  name: 'listFlowPipelines',
  title: 'List Flow pipelines',
  description:
    'Lists the pipelines of the tenant with id, name, current IR version and the S3 bucket and prefix each one reads. ' +
    'Same data as GET /api/v1/pipelines. Use the ids with the other Flow tools.',
  input: z
    .object({
      limit: z.number().int().min(1).max(500).default(50).describe('Pipelines per page, 1 to 500. Default 50.'),
      offset: z.number().int().min(0).default(0).describe('Pipelines to skip before the page starts. Default 0.'),
    })
    .strict(),
  output: z.object({
    pipelines: z.array(pipelineSchema),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handle(input, { api }) {
    const body = pipelineListResponseSchema.parse(await api.get('/pipelines', { limit: input.limit, offset: input.offset }));
    const lines = body.pipelines.map(
      (pipeline) =>
        `- ${pipeline.name} (${pipeline.id}): IR version ${pipeline.currentIrVersion}, reads s3://${pipeline.sourceBucket ?? '?'}/${pipeline.sourcePrefix ?? ''}`,
    );
    const summary = body.pipelines.length === 0 ? 'No pipelines on this page.' : `${body.pipelines.length} pipeline(s):\n${lines.join('\n')}`;
    return { structured: { pipelines: body.pipelines, limit: body.limit, offset: body.offset }, summary };
  },
});

export const getFlowPipelineIr = defineFlowTool({
  name: 'getFlowPipelineIr',
  title: 'Get a pipeline IR',
  description:
    'Returns the current IR (pipeline definition) of a pipeline with its version number. Same as GET /api/v1/pipelines/:id/ir. ' +
    'Edit the returned document and pass it to updateFlowPipelineIr to change the pipeline.',
  input: z.object({ pipelineId: pipelineIdInput }).strict(),
  output: z.object({
    pipelineId: z.string(),
    version: z.number().int().describe('IR version number; every update adds one.'),
    ir: z.record(z.string(), z.unknown()).describe('The IR document, with defaults filled in.'),
    createdAt: z.string(),
  }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handle(input, { api }) {
    const body = irResponseSchema.parse(await api.get(`/pipelines/${encodeURIComponent(input.pipelineId)}/ir`));
    const nodes = Array.isArray(body.ir.nodes) ? body.ir.nodes.length : 0;
    return {
      structured: { pipelineId: input.pipelineId, version: body.version, ir: body.ir, createdAt: body.createdAt },
      summary: `Pipeline ${input.pipelineId} is at IR version ${body.version} (${nodes} nodes, stored ${body.createdAt}).`,
    };
  },
});

export const updateFlowPipelineIr = defineFlowTool({
  name: 'updateFlowPipelineIr',
  title: 'Update a pipeline IR',
  description:
    'Stores a new IR version of a pipeline and makes it current; the next run uses it. Same as POST /api/v1/pipelines/:id/ir. ' +
    'An invalid document changes nothing and returns IR_INVALID with the node id and field of every problem.',
  input: z.object({ pipelineId: pipelineIdInput, ir: irDocumentInput }).strict(),
  output: z.object({
    pipelineId: z.string(),
    version: z.number().int().describe('The new current IR version number.'),
    ir: z.record(z.string(), z.unknown()).describe('The stored IR document, with defaults filled in.'),
    createdAt: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handle(input, { api, logger }) {
    const body = irResponseSchema.parse(await api.post(`/pipelines/${encodeURIComponent(input.pipelineId)}/ir`, { ir: input.ir }));
    logger.info({ pipeline_id: input.pipelineId, ir_version: body.version }, 'pipeline IR version stored');
    return {
      structured: { pipelineId: input.pipelineId, version: body.version, ir: body.ir, createdAt: body.createdAt },
      summary: `Stored IR version ${body.version} of pipeline ${input.pipelineId}; the next run uses it.`,
    };
  },
});
