import type { DatasetField } from '../datasets/field-schema.ts';
import { flowError } from '../errors/catalog.ts';
import type { FieldRule, TransformNode, ValidateNode } from '../ir/schema.ts';
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
  encode(record: string[]): { line: string; errors?: undefined } | { line?: undefined; errors: RowError[] };
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
      }
    }
  }

  const writable = options.fields.filter((field) => plans.has(field.name));
  const missingRequired = options.fields.filter((field) => !plans.has(field.name) && (field.isPrimaryKey || !field.nullable));
  if (missingRequired.length > 0) {
    throw flowError(
      'CSV_MALFORMED',
      `The file has no column for required field${missingRequired.length > 1 ? 's' : ''} ${missingRequired.map((field) => `"${field.name}"`).join(', ')}. Header: ${options.header.join(', ')}.`,
    );
  }

  const nullMarkers = new Set(options.nullMarkers);
  const columns = writable.map((field) => {
    const plan = plans.get(field.name)!;
    const rules = options.validates.flatMap((node) => (node.fields[field.name] ?? []).map((rule) => compileRule(field.name, rule)));
    return {
      name: field.name,
      sourceIndex: plan.sourceIndex,
      steps: plan.steps,
      rules,
      cast: castFunctionFor(field) as CastFunction,
      notNull: field.isPrimaryKey || !field.nullable,
    };
  });

  return {
    columns: columns.map((column) => column.name),
    encode(record) {
      let line = '';
      let errors: RowError[] | undefined;
      for (let index = 0; index < columns.length; index += 1) {
        const column = columns[index]!;
        const raw = record[column.sourceIndex];
        let value: string | null = raw === undefined || nullMarkers.has(raw) ? null : raw;
        for (const step of column.steps) value = step(value);
        for (const rule of column.rules) {
          const error = rule(value);
          if (error) (errors ??= []).push(error);
        }
        let text = COPY_NULL;
        if (value !== null) {
          try {
            text = escapeCopyText(column.cast(value));
          } catch (error) {
            if (!(error instanceof CastError)) throw error;
            (errors ??= []).push({ field: column.name, rule: 'type', message: `${column.name}: ${error.message}` });
          }
        } else if (column.notNull) {
          (errors ??= []).push({ field: column.name, rule: 'required', message: `${column.name} must not be empty` });
        }
        line = index === 0 ? text : `${line}\t${text}`;
      }
      return errors ? { errors } : { line };
    },
  };
}
