import type { DatasetField } from '../datasets/field-schema.ts';
import { flowError } from '../errors/catalog.ts';
import type { FieldRule, TransformNode, ValidateNode } from '../ir/schema.ts';
import { parse as parseExpression } from '@marcbachmann/cel-js';
import { expressionIdentifiers } from '../lineage/column-lineage.ts';
import { castFunctionFor, CastError, type CastFunction } from './cast-value.ts';
import { COPY_NULL, escapeCopyText } from './copy-text.ts';

/** One reason a row was rejected. */
export interface RowError {
  field: string;
  rule: string;
  message: string;
}

type ValueFunction = (value: string | null) => string | null;

interface ColumnPlan {
  sourceIndex: number;
  steps: ValueFunction[];
}

/** A compiled row program: the target columns it writes and the function that converts one record. */
export interface CompiledRow {
  /** Dataset columns the COPY writes, in order. */
  columns: string[];
  /**
   * Converts one CSV record into a COPY text line (without the trailing sequence column),
   * or returns the errors that reject it. Called once per row; allocates one string.
   */
  encode(record: string[]):
    | { line: string; errors?: undefined; filtered?: undefined }
    | { line?: undefined; errors: RowError[]; filtered?: undefined }
    | { line?: undefined; errors?: undefined; filtered: true };
}

function compileRule(field: string, rule: FieldRule): (value: string | null) => RowError | undefined {
  switch (rule.rule) {
    case 'required':
      return (value) => (value === null || value === '' ? { field, rule: 'required', message: `${field} is required` } : undefined);
    case 'pattern': {
      const pattern = new RegExp(rule.pattern, 'u');
      return (value) =>
        value !== null && !pattern.test(value)
          ? { field, rule: 'pattern', message: `${field} "${value}" does not match /${rule.pattern}/` }
          : undefined;
    }
    case 'range':
      return (value) => {
        if (value === null) return undefined;
        const number = Number(value);
        if (Number.isNaN(number)) return { field, rule: 'range', message: `${field} "${value}" is not a number` };
        if (rule.min !== undefined && number < rule.min) return { field, rule: 'range', message: `${field} ${value} is below ${rule.min}` };
        if (rule.max !== undefined && number > rule.max) return { field, rule: 'range', message: `${field} ${value} is above ${rule.max}` };
        return undefined;
      };
    case 'enum': {
      const allowed = new Set(rule.values);
      return (value) =>
        value !== null && !allowed.has(value)
          ? { field, rule: 'enum', message: `${field} "${value}" is not one of ${rule.values.join(', ')}` }
          : undefined;
    }
    case 'length':
      return (value) => {
        if (value === null) return undefined;
        const length = [...value].length;
        if (rule.min !== undefined && length < rule.min) return { field, rule: 'length', message: `${field} is shorter than ${rule.min} characters` };
        if (rule.max !== undefined && length > rule.max) return { field, rule: 'length', message: `${field} is longer than ${rule.max} characters` };
        return undefined;
      };
    case 'email': {
      const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
      return (value) =>
        value !== null && !email.test(value) ? { field, rule: 'email', message: `${field} "${value}" is not an email address` } : undefined;
    }
  }
}

/** Converts a CEL result to the text a column receives; CEL integers arrive as bigint. */
function celResultToText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
}

function expressionMessage(error: unknown): string {
  return (error as Error).message.split('\n')[0] ?? String(error);
}

type RowStep = (row: Record<string, string | null>) => RowError | 'filtered' | undefined;

/** Rejects an expression that reads a column the row does not have at that step, before any row is read. */
function requireExpressionColumns(expression: string, columns: ReadonlySet<string>, step: string): void {
  const unknown = expressionIdentifiers(expression).filter((name) => !columns.has(name));
  if (unknown.length > 0) {
    throw flowError(
      'IR_INVALID',
      `The ${step} expression ${JSON.stringify(expression)} reads ${unknown.map((name) => `"${name}"`).join(', ')}, which ${unknown.length > 1 ? 'are not columns' : 'is not a column'} at that step. Columns: ${[...columns].join(', ')}. Fix the IR and run again.`,
    );
  }
}

/**
 * Compiles the steps of a pipeline with derive or filter steps into functions over a row
 * object, since expressions may read any column. Slower than the per-column program, so it
 * is used only when an expression is present.
 */
function compileRowSteps(header: string[], transforms: readonly TransformNode[]): { steps: RowStep[]; columns: Set<string> } {
  const columns = new Set(header.map((name) => name.trim()));
  const requireColumn = (name: string, step: string) => {
    if (!columns.has(name)) {
      throw flowError('IR_INVALID', `Transform step "${step}" names column "${name}", which the file does not have. Columns: ${[...columns].join(', ')}.`);
    }
  };
  const steps: RowStep[] = [];
  for (const node of transforms) {
    for (const step of node.steps) {
      switch (step.op) {
        case 'rename':
          requireColumn(step.from, 'rename');
          columns.delete(step.from);
          columns.add(step.to);
          steps.push((row) => {
            row[step.to] = row[step.from] ?? null;
            delete row[step.from];
            return undefined;
          });
          break;
        case 'trim':
          for (const name of step.fields) requireColumn(name, 'trim');
          steps.push((row) => {
            for (const name of step.fields) row[name] = row[name]?.trim() ?? null;
            return undefined;
          });
          break;
        case 'case':
          for (const name of step.fields) requireColumn(name, 'case');
          steps.push((row) => {
            for (const name of step.fields) {
              const value = row[name];
              if (value !== null && value !== undefined) row[name] = step.to === 'upper' ? value.toUpperCase() : value.toLowerCase();
            }
            return undefined;
          });
          break;
        case 'default':
          requireColumn(step.field, 'default');
          steps.push((row) => {
            if (row[step.field] === null || row[step.field] === '') row[step.field] = step.value;
            return undefined;
          });
          break;
        case 'drop':
          for (const name of step.fields) {
            requireColumn(name, 'drop');
            columns.delete(name);
          }
          steps.push((row) => {
            for (const name of step.fields) delete row[name];
            return undefined;
          });
          break;
        case 'cast':
          requireColumn(step.field, 'cast');
          break;
        case 'derive': {
          requireExpressionColumns(step.expression, columns, 'derive');
          const evaluate = parseExpression(step.expression);
          columns.add(step.field);
          steps.push((row) => {
            try {
              row[step.field] = celResultToText(evaluate(row));
              return undefined;
            } catch (error) {
              row[step.field] = null;
              return { field: step.field, rule: 'derive', message: `${step.field}: expression failed: ${expressionMessage(error)}` };
            }
          });
          break;
        }
        case 'filter': {
          requireExpressionColumns(step.expression, columns, 'filter');
          const evaluate = parseExpression(step.expression);
          steps.push((row) => {
            try {
              return evaluate(row) === true ? undefined : 'filtered';
            } catch (error) {
              return { field: '', rule: 'filter', message: `filter expression failed: ${expressionMessage(error)}` };
            }
          });
          break;
        }
      }
    }
  }
  return { steps, columns };
}

/**
 * Compiles the header, transform steps, validation rules and dataset types into one row
 * program, once per object. Unknown column names are rejected here, before any row is read.
 */
export function compileRow(options: {
  header: string[];
  fields: readonly DatasetField[];
  transforms: readonly TransformNode[];
  validates: readonly ValidateNode[];
  nullMarkers: readonly string[];
}): CompiledRow {
  const seen = new Set<string>();
  for (const name of options.header.map((column) => column.trim())) {
    if (seen.has(name)) {
      throw flowError('CSV_MALFORMED', `The header names column "${name}" twice, so its values would be ambiguous. Rename one of them and upload the file again.`);
    }
    seen.add(name);
  }
  const usesExpressions = options.transforms.some((node) => node.steps.some((step) => step.op === 'derive' || step.op === 'filter'));
  return usesExpressions ? compileExpressionRow(options) : compileColumnRow(options);
}

function checkRequiredColumns(fields: readonly DatasetField[], available: Set<string> | Map<string, unknown>, header: string[]): DatasetField[] {
  const writable = fields.filter((field) => available.has(field.name));
  const missingRequired = fields.filter((field) => !available.has(field.name) && (field.isPrimaryKey || !field.nullable));
  if (missingRequired.length > 0) {
    throw flowError(
      'CSV_MALFORMED',
      `The file has no column for required field${missingRequired.length > 1 ? 's' : ''} ${missingRequired.map((field) => `"${field.name}"`).join(', ')}. Header: ${header.join(', ')}.`,
    );
  }
  return writable;
}

interface OutputColumn {
  name: string;
  rules: Array<(value: string | null) => RowError | undefined>;
  cast: CastFunction;
  notNull: boolean;
}

function outputColumnsOf(writable: DatasetField[], validates: readonly ValidateNode[]): OutputColumn[] {
  return writable.map((field) => ({
    name: field.name,
    rules: validates.flatMap((node) => (node.fields[field.name] ?? []).map((rule) => compileRule(field.name, rule))),
    cast: castFunctionFor(field),
    notNull: field.isPrimaryKey || !field.nullable,
  }));
}

/** Checks and casts one output value, appending its COPY text or its errors. */
function encodeValue(column: OutputColumn, value: string | null, errors: RowError[]): string {
  for (const rule of column.rules) {
    const error = rule(value);
    if (error) errors.push(error);
  }
  if (value === null) {
    if (column.notNull) errors.push({ field: column.name, rule: 'required', message: `${column.name} must not be empty` });
    return COPY_NULL;
  }
  try {
    return escapeCopyText(column.cast(value));
  } catch (error) {
    if (!(error instanceof CastError)) throw error;
    errors.push({ field: column.name, rule: 'type', message: `${column.name}: ${error.message}` });
    return COPY_NULL;
  }
}

function compileExpressionRow(options: Parameters<typeof compileRow>[0]): CompiledRow {
  const header = options.header.map((name) => name.trim());
  const { steps, columns: available } = compileRowSteps(header, options.transforms);
  const columns = outputColumnsOf(checkRequiredColumns(options.fields, available, options.header), options.validates);
  const nullMarkers = new Set(options.nullMarkers);

  return {
    columns: columns.map((column) => column.name),
    encode(record) {
      const row: Record<string, string | null> = {};
      for (let index = 0; index < header.length; index += 1) {
        const raw = record[index];
        row[header[index]!] = raw === undefined || nullMarkers.has(raw) ? null : raw;
      }
      const errors: RowError[] = [];
      for (const step of steps) {
        const outcome = step(row);
        if (outcome === 'filtered') return { filtered: true };
        if (outcome) errors.push(outcome);
      }
      let line = '';
      columns.forEach((column, index) => {
        const text = encodeValue(column, row[column.name] ?? null, errors);
        line = index === 0 ? text : `${line}\t${text}`;
      });
      return errors.length > 0 ? { errors } : { line };
    },
  };
}

function compileColumnRow(options: Parameters<typeof compileRow>[0]): CompiledRow {
  const plans = new Map<string, ColumnPlan>();
  options.header.forEach((name, index) => plans.set(name.trim(), { sourceIndex: index, steps: [] }));

  const requireColumn = (name: string, step: string): ColumnPlan => {
    const plan = plans.get(name);
    if (!plan) {
      throw flowError('IR_INVALID', `Transform step "${step}" names column "${name}", which the file does not have. Columns: ${[...plans.keys()].join(', ')}.`);
    }
    return plan;
  };

  for (const node of options.transforms) {
    for (const step of node.steps) {
      switch (step.op) {
        case 'rename': {
          const plan = requireColumn(step.from, 'rename');
          plans.delete(step.from);
          plans.set(step.to, plan);
          break;
        }
        case 'trim':
          for (const name of step.fields) requireColumn(name, 'trim').steps.push((value) => (value === null ? null : value.trim()));
          break;
        case 'case': {
          const convert = step.to === 'upper' ? (value: string) => value.toUpperCase() : (value: string) => value.toLowerCase();
          for (const name of step.fields) requireColumn(name, 'case').steps.push((value) => (value === null ? null : convert(value)));
          break;
        }
        case 'default':
          requireColumn(step.field, 'default').steps.push((value) => (value === null || value === '' ? step.value : value));
          break;
        case 'drop':
          for (const name of step.fields) {
            requireColumn(name, 'drop');
            plans.delete(name);
          }
          break;
        case 'cast':
          // The dataset's column type decides the cast; the step only documents intent.
          requireColumn(step.field, 'cast');
          break;
        case 'derive':
        case 'filter':
          // compileRow sends pipelines with expressions to compileExpressionRow.
          throw new Error(`step "${step.op}" needs the expression row program`);
      }
    }
  }

  const columns = outputColumnsOf(checkRequiredColumns(options.fields, plans, options.header), options.validates).map((column) => ({
    ...column,
    plan: plans.get(column.name)!,
  }));
  const nullMarkers = new Set(options.nullMarkers);

  return {
    columns: columns.map((column) => column.name),
    encode(record) {
      let line = '';
      let errors: RowError[] | undefined;
      for (let index = 0; index < columns.length; index += 1) {
        const column = columns[index]!;
        const raw = record[column.plan.sourceIndex];
        let value: string | null = raw === undefined || nullMarkers.has(raw) ? null : raw;
        for (const step of column.plan.steps) value = step(value);
        const found: RowError[] = [];
        const text = encodeValue(column, value, found);
        if (found.length > 0) (errors ??= []).push(...found);
        line = index === 0 ? text : `${line}\t${text}`;
      }
      return errors ? { errors } : { line };
    },
  };
}
