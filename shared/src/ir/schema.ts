import { parse as parseExpression } from '@marcbachmann/cel-js';
import { z } from 'zod';

/** Column and key names: lower-case SQL identifiers that need no quoting surprises. */
export const identifierSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores, starting with a letter or underscore')
  .max(63, 'must be at most 63 bytes (PostgreSQL identifier limit)');

export const loadModes = ['upsert', 'truncate', 'blue_green', 'incremental_watermark', 'cdc_mirror'] as const;
export type LoadMode = (typeof loadModes)[number];

export const csvDialectSchema = z
  .object({
    /** Field separator. Default ",". */
    delimiter: z.string().min(1).max(4).default(','),
    /** Quote character. Default '"'. */
    quote: z.string().length(1).default('"'),
    /** Escape character inside quoted fields. Default '"' (a doubled quote). */
    escape: z.string().length(1).default('"'),
    /** Whether the first record names the columns. Default true. */
    header: z.boolean().default(true),
    /** Column names in file order; required when `header` is false. */
    columns: z.array(z.string().min(1)).optional(),
    /** Text encoding of the file. A UTF-8 byte order mark is skipped. Default utf8. */
    encoding: z.enum(['utf8', 'latin1']).default('utf8'),
    /**
     * Field values read as SQL NULL. Default [""], the empty field.
     * NOTE: a plain file loaded by PostgreSQL's COPY keeps a quoted empty field ("") as an empty
     * string. A file parsed by Flow (any transform or rule) reads it as NULL too.
     */
    nullMarkers: z.array(z.string()).default(['']),
  })
  .strict()
  .refine((dialect) => dialect.header || (dialect.columns?.length ?? 0) > 0, {
    message: 'columns must list the column names when header is false',
    path: ['columns'],
  });
export type CsvDialect = z.infer<typeof csvDialectSchema>;

const nodeId = z.string().min(1).max(100);

export const s3CsvSourceSchema = z
  .object({
    id: nodeId,
    type: z.literal('source'),
    kind: z.literal('s3_csv'),
    /** S3 connector whose bucket and credentials the source reads with. */
    connectorId: z.string().uuid(),
    /** Key prefix the pipeline is bound to, for example "incoming/customers/". */
    keyPrefix: z.string().max(1024).default(''),
    /** Glob matched against the key after the prefix. Default "**\/*.csv". */
    glob: z.string().min(1).default('**/*.csv'),
    /** Prefix loaded objects are moved under after a successful run. Default "_archive/". */
    archivePrefix: z.string().min(1).max(1024).default('_archive/'),
    csv: csvDialectSchema.default({ delimiter: ',', quote: '"', escape: '"', header: true, encoding: 'utf8', nullMarkers: [''] }),
  })
  .strict();

export const cdcTopicSourceSchema = z
  .object({
    id: nodeId,
    type: z.literal('source'),
    kind: z.literal('cdc_topic'),
    /** Debezium topic, `<prefix>.<schema>.<table>`. */
    topic: z.string().min(1),
    connectorId: z.string().uuid().optional(),
  })
  .strict();

export const sourceNodeSchema = z.discriminatedUnion('kind', [s3CsvSourceSchema, cdcTopicSourceSchema]);

const renameStep = z.object({ op: z.literal('rename'), from: z.string().min(1), to: z.string().min(1) }).strict();
const trimStep = z.object({ op: z.literal('trim'), fields: z.array(z.string().min(1)).min(1) }).strict();
const caseStep = z
  .object({ op: z.literal('case'), fields: z.array(z.string().min(1)).min(1), to: z.enum(['upper', 'lower']) })
  .strict();
const defaultStep = z.object({ op: z.literal('default'), field: z.string().min(1), value: z.string() }).strict();
const dropStep = z.object({ op: z.literal('drop'), fields: z.array(z.string().min(1)).min(1) }).strict();
const castStep = z
  .object({ op: z.literal('cast'), field: z.string().min(1), to: z.enum(['text', 'integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamptz', 'jsonb']) })
  .strict();

/** An expression in CEL (Common Expression Language), checked for syntax when the IR is saved. */
const expressionSchema = z
  .string()
  .min(1)
  .max(4000)
  .superRefine((expression, context) => {
    try {
      parseExpression(expression);
    } catch (error) {
      const firstLine = (error as Error).message.split('\n')[0];
      context.addIssue({ code: 'custom', message: `invalid CEL expression: ${firstLine}` });
    }
  });
/** Sets `field` to the value of a CEL expression over the row's columns, which are strings or null. */
const deriveStep = z.object({ op: z.literal('derive'), field: identifierSchema, expression: expressionSchema }).strict();
/** Keeps only rows for which a CEL expression is true; the others are counted as filtered. */
const filterStep = z.object({ op: z.literal('filter'), expression: expressionSchema }).strict();

export const transformStepSchema = z.discriminatedUnion('op', [
  renameStep,
  trimStep,
  caseStep,
  defaultStep,
  dropStep,
  castStep,
  deriveStep,
  filterStep,
]);
export type TransformStep = z.infer<typeof transformStepSchema>;

export const transformNodeSchema = z
  .object({ id: nodeId, type: z.literal('transform'), steps: z.array(transformStepSchema).default([]) })
  .strict();

const fieldRule = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('required') }).strict(),
  z.object({ rule: z.literal('pattern'), pattern: z.string().min(1) }).strict(),
  z.object({ rule: z.literal('range'), min: z.number().optional(), max: z.number().optional() }).strict(),
  z.object({ rule: z.literal('enum'), values: z.array(z.string()).min(1) }).strict(),
  z.object({ rule: z.literal('length'), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict(),
  z.object({ rule: z.literal('email') }).strict(),
]);
export type FieldRule = z.infer<typeof fieldRule>;

export const validateNodeSchema = z
  .object({
    id: nodeId,
    type: z.literal('validate'),
    /** Rules per field name, checked after the transforms. */
    fields: z.record(z.string(), z.array(fieldRule)).default({}),
  })
  .strict();

export const targetNodeSchema = z
  .object({
    id: nodeId,
    type: z.literal('target'),
    /** Dataset (schema) whose table receives the rows. */
    datasetId: z.string().uuid(),
    loadMode: z.enum(loadModes),
    /** Fields that identify a row; `upsert` requires them to be the dataset's primary key. */
    keyFields: z.array(identifierSchema).default([]),
    /** Abort before any destructive statement when the source has no rows. Default true. */
    emptySourceGuard: z.boolean().default(true),
    /** Column compared with the stored high-water mark in `incremental_watermark`. */
    watermarkColumn: identifierSchema.optional(),
  })
  .strict();

export const errorHandlingSchema = z
  .object({
    /** Handling of a row that fails casting or validation. Default quarantine. */
    onRowError: z.enum(['quarantine', 'skip', 'fail']).default('quarantine'),
    /** Largest share (0 to 1) of rows a run may quarantine or skip before it fails. Default 0.1. */
    maxErrorRatio: z.number().min(0).max(1).default(0.1),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(3),
        initialDelayMs: z.number().int().min(0).max(60_000).default(500),
        maxDelayMs: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .default({ maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 30_000 }),
  })
  .strict();

export const irNodeSchema = z.union([sourceNodeSchema, transformNodeSchema, validateNodeSchema, targetNodeSchema]);

export const irDocumentSchema = z
  .object({
    irVersion: z.literal('1.0', { message: 'irVersion must be "1.0"' }),
    nodes: z.array(z.unknown()).min(2, 'nodes must contain at least a source and a target'),
    edges: z.array(z.tuple([z.string(), z.string()])),
    errorHandling: errorHandlingSchema,
  })
  .strict();

export type SourceNode = z.infer<typeof sourceNodeSchema>;
export type S3CsvSourceNode = z.infer<typeof s3CsvSourceSchema>;
export type TransformNode = z.infer<typeof transformNodeSchema>;
export type ValidateNode = z.infer<typeof validateNodeSchema>;
export type TargetNode = z.infer<typeof targetNodeSchema>;
export type ErrorHandling = z.infer<typeof errorHandlingSchema>;
