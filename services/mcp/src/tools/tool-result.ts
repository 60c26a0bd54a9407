import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError } from 'zod';
import { FlowApiError } from '../flow-api-client.ts';

/** A tool's output: the structured result its outputSchema describes and a short text summary. */
export interface ToolOutput {
  structured: Record<string, unknown>;
  summary: string;
}

/** A failure the tool itself detects, reported to the client as a tool error with a code. */
export class ToolInputError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ToolInputError';
    this.code = code;
  }
}

/** One invalid field in an API error's `details.issues`, as the API's IR and request validators write it. */
interface ApiIssue {
  path?: unknown;
  nodeId?: unknown;
  message?: unknown;
}

function issuesOf(details: unknown): ApiIssue[] {
  if (typeof details !== 'object' || details === null || !('issues' in details) || !Array.isArray(details.issues)) return [];
  return details.issues.filter((issue): issue is ApiIssue => typeof issue === 'object' && issue !== null);
}

/**
 * Formats a failed API call as tool error text: `CODE (HTTP status): message`, then one line
 * per invalid field with the node id and path the API named.
 */
export function formatApiError(error: FlowApiError): string {
  const status = error.status > 0 ? ` (HTTP ${error.status})` : '';
  const lines = [`${error.code}${status}: ${error.message}`];
  for (const issue of issuesOf(error.details)) {
    const node = typeof issue.nodeId === 'string' ? `node "${issue.nodeId}", ` : '';
    const path = typeof issue.path === 'string' && issue.path !== '' ? `field ${issue.path}` : 'document';
    lines.push(`- ${node}${path}: ${String(issue.message)}`);
  }
  return lines.join('\n');
}

export function toSuccessResult(output: ToolOutput): CallToolResult {
  return { content: [{ type: 'text', text: output.summary }], structuredContent: output.structured };
}

/** Converts an error from a tool handler to an `isError` result whose text leads with the error code. */
export function toErrorResult(error: unknown): CallToolResult {
  return { content: [{ type: 'text', text: errorText(error) }], isError: true };
}

function errorText(error: unknown): string {
  if (error instanceof FlowApiError) return formatApiError(error);
  if (error instanceof ToolInputError) return `${error.code}: ${error.message}`;

  // The tools parse every API response, so a ZodError means the API returned another shape.
  if (error instanceof ZodError) {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    return `API_INVALID_RESPONSE: The Flow API returned a body of an unexpected shape (${issues}). Check that the API and the MCP server are the same Flow version.`;
  }
  return `INTERNAL: ${error instanceof Error ? error.message : String(error)}`;
}
