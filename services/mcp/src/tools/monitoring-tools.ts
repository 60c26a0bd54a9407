import { z } from 'zod';
import { systemHealthResponseSchema } from '../api-schemas.ts';
import { FlowApiError } from '../flow-api-client.ts';
import { defineFlowTool } from './register-flow-tool.ts';
import { ToolInputError } from './tool-result.ts';

export const getFlowHealth = defineFlowTool({
  name: 'getFlowHealth',
  title: 'Get Flow system health',
  description:
    'Returns whether PostgreSQL and Kafka are up (status ok or degraded) and the tenant\'s recent alerts, such as failed runs ' +
    'and empty sources, newest first. Same as GET /api/v1/system-health.',
  input: z
    .object({ alerts: z.number().int().min(1).max(500).default(20).describe('Recent alerts to return, 1 to 500. Default 20.') })
    .strict(),
  output: systemHealthResponseSchema,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handle(input, { api }) {
    const body = systemHealthResponseSchema.parse(await api.get('/system-health', { alerts: input.alerts }));
    const components = Object.entries(body.components)
      .map(([name, component]) => {
        const status = typeof component === 'object' && component !== null && 'status' in component ? String(component.status) : 'unknown';
        return `${name} ${status}`;
      })
      .join(', ');
    return { structured: body, summary: `Flow is ${body.status} (${components}); ${body.alerts.length} recent alert(s).` };
  },
});

const groupLagSchema = z.looseObject({
  groupId: z.string(),
  status: z.string().describe('OK, WARN, STALL or STOP, as the lag monitor rates the group.'),
  state: z.string().describe('Consumer-group state, such as Stable or Empty.'),
  totalLagMessages: z.number().describe('Messages not consumed yet, over all partitions.'),
  maxLagSeconds: z.number().nullable().describe('Age of the oldest unconsumed message, in seconds; null when unknown.'),
  partitions: z.array(z.unknown()).describe('Committed offset, log-end offset and lag per topic and partition.'),
});

const lagReportSchema = z.looseObject({
  sampledAt: z.string().nullable().describe('Time of the lag monitor\'s newest refresh; null before the first one.'),
  groups: z.array(groupLagSchema),
});

export const getFlowLag = defineFlowTool({
  name: 'getFlowLag',
  title: 'Get Flow consumer lag',
  description:
    'Returns the Kafka consumer-group lag of Flow\'s consumers as the lag monitor last sampled it: per group its status, ' +
    'messages behind and the age of the oldest unconsumed message, and per partition the committed and log-end offsets. ' +
    'Same as GET /api/v1/streams/lag. Growing lag means runs or CDC batches are falling behind.',
  input: z.object({}).strict(),
  output: lagReportSchema,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handle(_input, { api }) {
    let body: unknown;
    try {
      body = await api.get('/streams/lag');
    } catch (error) {
      if (error instanceof FlowApiError && error.status === 404) {
        throw new ToolInputError(
          'LAG_NOT_AVAILABLE',
          `Lag monitoring is not available on this API: GET ${api.baseUrl}/streams/lag returned 404 (${error.message}). ` +
            'Run a Flow version with the lag monitor, or use getFlowHealth.',
        );
      }
      throw error;
    }

    const report = lagReportSchema.parse(body);
    if (report.groups.length === 0) {
      return { structured: report, summary: 'No lag samples yet: the lag monitor has not stored a refresh.' };
    }
    const lines = report.groups.map((group) => {
      const age = group.maxLagSeconds === null ? 'age unknown' : `oldest ${group.maxLagSeconds} s old`;
      return `- ${group.groupId}: ${group.status}, ${group.state}, ${group.totalLagMessages} message(s) behind, ${age}`;
    });
    return { structured: report, summary: `Consumer lag sampled at ${report.sampledAt ?? 'unknown time'}:\n${lines.join('\n')}` };
  },
});
