import type { z } from 'zod';
import { flowError } from '../errors/catalog.ts';
import type { FlowError } from '../errors/flow-error.ts';
import {
  irDocumentSchema,
  sourceNodeSchema,
  targetNodeSchema,
  transformNodeSchema,
  validateNodeSchema,
  type ErrorHandling,
  type SourceNode,
  type TargetNode,
  type TransformNode,
  type ValidateNode,
} from './schema.ts';

/** One problem in an IR document, with the JSON path and node id at fault. */
export interface IrIssue {
  path: string;
  nodeId?: string;
  message: string;
}

/** An IR document after validation: the one path it describes, in order. */
export interface PipelineIr {
  irVersion: '1.0';
  source: SourceNode;
  transforms: TransformNode[];
  validates: ValidateNode[];
  target: TargetNode;
  errorHandling: ErrorHandling;
  /** The document as stored, with defaults filled in. */
  document: { irVersion: '1.0'; nodes: unknown[]; edges: [string, string][]; errorHandling: ErrorHandling };
}

const nodeSchemas = {
  source: sourceNodeSchema,
  transform: transformNodeSchema,
  validate: validateNodeSchema,
  target: targetNodeSchema,
} as const;

const stageOrder = { source: 0, transform: 1, validate: 2, target: 3 } as const;
type NodeType = keyof typeof nodeSchemas;
type ParsedNode = SourceNode | TransformNode | ValidateNode | TargetNode;

function toIssues(error: z.ZodError, prefix: string, nodeId?: string): IrIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    ...(nodeId ? { nodeId } : {}),
    message: issue.message,
  }));
}

/** Validates an IR 1.0 document and returns every problem found, or the parsed pipeline. */
export function checkIr(input: unknown): { ok: true; ir: PipelineIr } | { ok: false; issues: IrIssue[] } {
  const envelope = irDocumentSchema.safeParse(input);
  if (!envelope.success) return { ok: false, issues: toIssues(envelope.error, '') };

  const issues: IrIssue[] = [];
  const nodes: ParsedNode[] = [];
  const byId = new Map<string, ParsedNode>();

  // Phase 1: each node against the schema of its type, so errors name the node.
  envelope.data.nodes.forEach((raw, index) => {
    const prefix = `nodes.${index}`;
    const candidate = raw as { id?: unknown; type?: unknown };
    const nodeId = typeof candidate.id === 'string' ? candidate.id : undefined;
    const type = typeof candidate.type === 'string' ? candidate.type : undefined;
    if (!type || !(type in nodeSchemas)) {
      issues.push({
        path: `${prefix}.type`,
        ...(nodeId ? { nodeId } : {}),
        message: `node type ${JSON.stringify(candidate.type)} is not one of source, transform, validate, target`,
      });
      return;
    }
    const parsed = nodeSchemas[type as NodeType].safeParse(raw);
    if (!parsed.success) {
      issues.push(...toIssues(parsed.error, prefix, nodeId));
      return;
    }
    if (byId.has(parsed.data.id)) {
      issues.push({ path: `${prefix}.id`, nodeId: parsed.data.id, message: `node id "${parsed.data.id}" is used twice` });
      return;
    }
    byId.set(parsed.data.id, parsed.data);
    nodes.push(parsed.data);
  });
  if (issues.length > 0) return { ok: false, issues };

  // Phase 2: the edges must form exactly one chain source -> transform* -> validate* -> target.
  const ordered = orderChain(nodes, envelope.data.edges, issues);
  if (!ordered) return { ok: false, issues };

  const source = ordered[0] as SourceNode;
  const target = ordered[ordered.length - 1] as TargetNode;
  checkTarget(source, target, issues);
  if (issues.length > 0) return { ok: false, issues };

  return {
    ok: true,
    ir: {
      irVersion: '1.0',
      source,
      transforms: ordered.filter((node): node is TransformNode => node.type === 'transform'),
      validates: ordered.filter((node): node is ValidateNode => node.type === 'validate'),
      target,
      errorHandling: envelope.data.errorHandling,
      document: { irVersion: '1.0', nodes: ordered, edges: envelope.data.edges, errorHandling: envelope.data.errorHandling },
    },
  };
}

function orderChain(nodes: ParsedNode[], edges: [string, string][], issues: IrIssue[]): ParsedNode[] | undefined {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const next = new Map<string, string>();
  const incoming = new Map<string, number>();

  edges.forEach(([from, to], index) => {
    for (const [end, id] of [['0', from], ['1', to]] as const) {
      if (!byId.has(id)) issues.push({ path: `edges.${index}.${end}`, message: `edge names node "${id}", which does not exist` });
    }
    if (next.has(from)) {
      issues.push({ path: `edges.${index}`, nodeId: from, message: `node "${from}" has more than one outgoing edge; IR 1.0 allows one path` });
    }
    next.set(from, to);
    incoming.set(to, (incoming.get(to) ?? 0) + 1);
  });
  if (issues.length > 0) return undefined;

  const sources = nodes.filter((node) => node.type === 'source');
  const targets = nodes.filter((node) => node.type === 'target');
  // The second node of a kind is named so the caller knows which one to remove.
  const extraId = (found: ParsedNode[]) => (found[1] ? { nodeId: found[1].id } : {});
  if (sources.length !== 1) issues.push({ path: 'nodes', ...extraId(sources), message: `IR 1.0 needs exactly one source node, found ${sources.length}` });
  if (targets.length !== 1) issues.push({ path: 'nodes', ...extraId(targets), message: `IR 1.0 needs exactly one target node, found ${targets.length}` });
  if (issues.length > 0) return undefined;

  const chain: ParsedNode[] = [];
  const visited = new Set<string>();
  let current: ParsedNode | undefined = sources[0];
  while (current) {
    if (visited.has(current.id)) {
      issues.push({ path: 'edges', nodeId: current.id, message: `edges form a cycle through node "${current.id}"` });
      return undefined;
    }
    visited.add(current.id);
    const previous = chain[chain.length - 1];
    if (previous && stageOrder[current.type] < stageOrder[previous.type]) {
      issues.push({
        path: 'edges',
        nodeId: current.id,
        message: `${current.type} node "${current.id}" follows ${previous.type} node "${previous.id}"; the order must be source -> transform* -> validate* -> target`,
      });
    }
    if (previous && current.type === 'source') {
      issues.push({ path: 'edges', nodeId: current.id, message: `source node "${current.id}" must have no incoming edge` });
    }
    chain.push(current);
    const nextId = next.get(current.id);
    current = nextId ? byId.get(nextId) : undefined;
  }

  const last = chain[chain.length - 1];
  if (last?.type !== 'target') {
    issues.push({ path: 'edges', nodeId: last?.id, message: `the path from the source ends at "${last?.id}", not at the target node` });
  }
  for (const node of nodes) {
    if (!visited.has(node.id)) {
      issues.push({ path: 'nodes', nodeId: node.id, message: `node "${node.id}" is not on the path from the source to the target` });
    }
  }
  return issues.length > 0 ? undefined : chain;
}

function checkTarget(source: SourceNode, target: TargetNode, issues: IrIssue[]): void {
  const at = (field: string) => ({ path: `target.${field}`, nodeId: target.id });
  if (target.loadMode === 'upsert' && target.keyFields.length === 0) {
    issues.push({ ...at('keyFields'), message: 'loadMode "upsert" needs keyFields, the columns that identify a row' });
  }
  if (target.loadMode === 'incremental_watermark' && !target.watermarkColumn) {
    issues.push({ ...at('watermarkColumn'), message: 'loadMode "incremental_watermark" needs watermarkColumn' });
  }
  if (target.loadMode === 'cdc_mirror' && source.kind !== 'cdc_topic') {
    issues.push({ ...at('loadMode'), message: 'loadMode "cdc_mirror" needs a source of kind "cdc_topic"' });
  }
  if (target.loadMode !== 'cdc_mirror' && source.kind === 'cdc_topic') {
    issues.push({ ...at('loadMode'), message: `a "cdc_topic" source needs loadMode "cdc_mirror", not "${target.loadMode}"` });
  }
}

/** Parses an IR document or throws IR_INVALID listing every problem. */
export function parseIr(input: unknown): PipelineIr {
  const result = checkIr(input);
  if (result.ok) return result.ir;
  throw irInvalid(result.issues);
}

export function irInvalid(issues: IrIssue[]): FlowError {
  const first = issues[0];
  const where = first?.nodeId ? `node "${first.nodeId}" (${first.path})` : first?.path || 'document';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return flowError('IR_INVALID', `Invalid IR at ${where}: ${first?.message ?? 'unknown problem'}${more}.`, { details: { issues } });
}
