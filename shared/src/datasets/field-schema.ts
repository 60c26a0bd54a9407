import { z } from 'zod';
import { identifierSchema } from '../ir/schema.ts';

export const fieldTypes = ['text', 'integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamptz', 'jsonb'] as const;
export type FieldType = (typeof fieldTypes)[number];

export const datasetFieldSchema = z
  .object({
    name: identifierSchema,
    type: z.enum(fieldTypes),
    /** numeric only: total significant digits (1 to 1000). Without it the column is unconstrained numeric. */
    precision: z.number().int().min(1).max(1000).optional(),
    /** numeric only: digits after the decimal point (0 to precision). */
    scale: z.number().int().min(0).max(1000).optional(),
    /** Fields marked as primary key together form the table's primary key. */
    isPrimaryKey: z.boolean().default(false),
    /** Whether the column accepts NULL. Primary-key fields never do. Default true. */
    nullable: z.boolean().default(true),
    description: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((field, context) => {
    if (field.type !== 'numeric' && (field.precision !== undefined || field.scale !== undefined)) {
      context.addIssue({ code: 'custom', path: ['precision'], message: `precision and scale apply only to numeric fields, not ${field.type}` });
    }
    if (field.scale !== undefined && field.precision === undefined) {
      context.addIssue({ code: 'custom', path: ['scale'], message: 'scale needs precision' });
    }
    if (field.scale !== undefined && field.precision !== undefined && field.scale > field.precision) {
      context.addIssue({ code: 'custom', path: ['scale'], message: `scale ${field.scale} is larger than precision ${field.precision}` });
    }
  });
export type DatasetField = z.infer<typeof datasetFieldSchema>;

export const datasetFieldsSchema = z
  .array(datasetFieldSchema)
  .min(1, 'a dataset needs at least one field')
  .max(1600, 'PostgreSQL tables have at most 1600 columns')
  .superRefine((fields, context) => {
    const seen = new Set<string>();
    fields.forEach((field, index) => {
      if (seen.has(field.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `field "${field.name}" is declared twice` });
      seen.add(field.name);
      if (field.name === 'id' && !fields.some((other) => other.isPrimaryKey)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: 'field "id" collides with the generated "id bigserial" key; mark a primary key or rename the field',
        });
      }
    });
  });

/** PostgreSQL column type of a field. */
export function sqlType(field: Pick<DatasetField, 'type' | 'precision' | 'scale'>): string {
  if (field.type === 'numeric' && field.precision !== undefined) return `numeric(${field.precision},${field.scale ?? 0})`;
  return field.type;
}

/** Columns that form the primary key: the marked fields, or the generated `id`. */
export function primaryKeyOf(fields: readonly DatasetField[]): string[] {
  const marked = fields.filter((field) => field.isPrimaryKey).map((field) => field.name);
  return marked.length > 0 ? marked : ['id'];
}
