import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { FlowApiClient } from '../flow-api-client.ts';
import { FlowApiError } from '../flow-api-client.ts';
import { toErrorResult, toSuccessResult, ToolInputError, type ToolOutput } from './tool-result.ts';

/** Context of one tool call: the API client, a logger, and the MCP request for progress and cancellation. */
export interface ToolContext {
  api: FlowApiClient;
  logger: Logger;
  request: RequestHandlerExtra<ServerRequest, ServerNotification>;
}

export interface FlowToolDefinition<Input extends z.ZodObject, Output extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Input;
  output: Output;
  annotations: ToolAnnotations;
  handle(input: z.output<Input>, context: ToolContext): Promise<{ structured: z.input<Output>; summary: string }>;
}

/**
 * Registers a tool whose handler returns structured content and a summary. Errors become
 * `isError` results: API errors carry the API's code and message, and are logged at info
 * (4xx) or error (no response, 5xx, or a bug in the tool).
 */
export function registerFlowTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  server: McpServer,
  dependencies: { api: FlowApiClient; logger: Logger },
  tool: FlowToolDefinition<Input, Output>,
): void {
  const logger = dependencies.logger.child({ tool: tool.name });
  // The SDK's handler type cannot be resolved for a generic schema, so registration uses the
  // base ZodObject type. The SDK has already parsed the arguments with `tool.input`.
  const inputSchema: z.ZodObject = tool.input;
  const outputSchema: z.ZodObject = tool.output;
  server.registerTool(
    tool.name,
    { title: tool.title, description: tool.description, inputSchema, outputSchema, annotations: tool.annotations },
    async (args, request) => {
      try {
        const output = await tool.handle(args as z.output<Input>, { api: dependencies.api, logger, request });
        return toSuccessResult(output as ToolOutput);
      } catch (error) {
        if (error instanceof FlowApiError && error.status >= 400 && error.status < 500) {
          logger.info({ code: error.code, status: error.status, method: error.method, path: error.path }, 'tool call rejected by the API');
        } else if (error instanceof ToolInputError) {
          logger.info({ code: error.code, reason: error.message }, 'tool call rejected');
        } else {
          logger.error({ err: error }, 'tool call failed');
        }
        return toErrorResult(error);
      }
    },
  );
}

/** Returns the definition unchanged; it exists so that TypeScript infers the input and output types of the handler. */
export function defineFlowTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  tool: FlowToolDefinition<Input, Output>,
): FlowToolDefinition<Input, Output> {
  return tool;
}
