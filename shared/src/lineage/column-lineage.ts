import { parse as parseExpression } from '@marcbachmann/cel-js';
import type { DatasetField } from '../datasets/field-schema.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';

/** Origin of one target column's values. */
export interface ColumnLineage {
  /** Column of the dataset's table. */
  target: string;
  /** Source (CSV header) columns read to produce it; empty when nothing in the source feeds it. */
  sources: string[];
  /** Transform steps that touched the column on its way, in order: rename, derive, cast, trim, case, default. */
  steps: string[];
}

interface Origin {
  sources: Set<string>;
  steps: string[];
}

/** Macros whose first argument names a variable bound inside the macro, not a column. */
const bindingMacros = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface AstNode {
  op: string;
  args: unknown;
}

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/** Collects the top-level identifiers a CEL expression reads, leaving out variables bound by macros such as `map(x, ...)`. */
export function expressionIdentifiers(expression: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, bound: ReadonlySet<string>): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, bound);
      return;
    }
    if (!isAstNode(value)) return;
    if (value.op === 'id' && typeof value.args === 'string') {
      if (!bound.has(value.args)) found.add(value.args);
      return;
    }
    if (value.op === 'rcall' && Array.isArray(value.args)) {
      const [name, receiver, callArgs] = value.args as [unknown, unknown, unknown];
      visit(receiver, bound);
      const first = Array.isArray(callArgs) ? callArgs[0] : undefined;
      if (typeof name === 'string' && bindingMacros.has(name) && isAstNode(first) && first.op === 'id' && typeof first.args === 'string') {
        const inner = new Set(bound).add(first.args);
        visit((callArgs as unknown[]).slice(1), inner);
        return;
      }
      visit(callArgs, bound);
      return;
    }
    visit(value.args, bound);
  };
  visit(parseExpression(expression).ast, new Set());
  return [...found];
}

/**
 * Derives which source columns feed each column of the target dataset from an IR: a column
 * maps from the header column of the same name, `rename` maps from->to, `derive` reads the
 * columns its CEL expression names, and `drop` removes a column. When the CSV dialect lists
 * its columns, a name outside that list has no source.
 */
export function columnLineage(ir: PipelineIr, fields: readonly DatasetField[]): ColumnLineage[] {
  const headerColumns = ir.source.kind === 's3_csv' && ir.source.csv.columns ? new Set(ir.source.csv.columns) : undefined;
  const columns = new Map<string, Origin>();
  const removed = new Set<string>();

  const originOf = (name: string): Origin => {
    const known = columns.get(name);
    if (known) return known;
    if (removed.has(name) || (headerColumns && !headerColumns.has(name))) return { sources: new Set(), steps: [] };
    return { sources: new Set([name]), steps: [] };
  };
  const set = (name: string, origin: Origin) => {
    columns.set(name, origin);
    removed.delete(name);
  };
  const touch = (name: string, step: string) => {
    const origin = originOf(name);
    set(name, { sources: origin.sources, steps: [...origin.steps, step] });
  };

  for (const step of ir.transforms.flatMap((node) => node.steps)) {
    switch (step.op) {
      case 'rename': {
        const origin = originOf(step.from);
        columns.delete(step.from);
        removed.add(step.from);
        set(step.to, { sources: origin.sources, steps: [...origin.steps, 'rename'] });
        break;
      }
      case 'derive': {
        const sources = new Set<string>();
        const steps: string[] = [];
        for (const name of expressionIdentifiers(step.expression)) {
          const origin = originOf(name);
          for (const source of origin.sources) sources.add(source);
          steps.push(...origin.steps);
        }
        set(step.field, { sources, steps: [...new Set(steps), 'derive'] });
        break;
      }
      case 'drop':
        for (const name of step.fields) {
          columns.delete(name);
          removed.add(name);
        }
        break;
      case 'trim':
      case 'case':
        for (const name of step.fields) touch(name, step.op);
        break;
      case 'cast':
      case 'default':
        touch(step.field, step.op);
        break;
      case 'filter':
        break;
    }
  }

  return fields.map((field) => {
    const origin = originOf(field.name);
    return { target: field.name, sources: [...origin.sources].sort(), steps: origin.steps };
  });
}
