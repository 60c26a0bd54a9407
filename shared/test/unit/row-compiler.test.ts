import { describe, expect, it } from 'vitest';
import { datasetFieldsSchema, type DatasetField } from '../../src/datasets/field-schema.ts';
import { compileRow, type CompiledRow } from '../../src/engine/row-compiler.ts';
import { isFlowError } from '../../src/errors/flow-error.ts';
import { transformNodeSchema, validateNodeSchema, type TransformNode, type ValidateNode } from '../../src/ir/schema.ts';

const fields: DatasetField[] = datasetFieldsSchema.parse([
  { name: 'customer_id', type: 'integer', isPrimaryKey: true },
  { name: 'email', type: 'text', nullable: false },
  { name: 'name', type: 'text' },
  { name: 'score', type: 'numeric', precision: 5, scale: 2 },
]);

function transformOf(steps: unknown[]): TransformNode {
  return transformNodeSchema.parse({ id: 't', type: 'transform', steps });
}

function validateOf(rules: Record<string, unknown[]>): ValidateNode {
  return validateNodeSchema.parse({ id: 'v', type: 'validate', fields: rules });
}

function compile(options: {
  header: string[];
  transforms?: TransformNode[];
  validates?: ValidateNode[];
  nullMarkers?: string[];
  datasetFields?: DatasetField[];
}): CompiledRow {
  return compileRow({
    header: options.header,
    fields: options.datasetFields ?? fields,
    transforms: options.transforms ?? [],
    validates: options.validates ?? [],
    nullMarkers: options.nullMarkers ?? [''],
  });
}

/** Returns the message of the FlowError that compiling throws, checking its code. */
function compileError(options: Parameters<typeof compile>[0], code: string): string {
  try {
    compile(options);
  } catch (error) {
    if (!isFlowError(error)) throw error;
    expect(error.code).toBe(code);
    return error.message;
  }
  throw new Error('expected compileRow to throw, but it returned a row program');
}

const header = ['customer_id', 'email', 'name', 'score'];

describe('compileRow header mapping', () => {
  it('compileRow maps columns by name', () => {
    const row = compile({ header: ['score', 'name', 'email', 'customer_id'] });
    expect(row.columns).toEqual(['customer_id', 'email', 'name', 'score']);
    expect(row.encode(['1.5', 'Ann', 'ann@example.com', '7'])).toEqual({ line: '7\tann@example.com\tAnn\t1.5' });
  });

  it('compileRow writes dataset column order', () => {
    const row = compile({ header });
    expect(row.encode(['7', 'ann@example.com', 'Ann', '1.5'])).toEqual({ line: '7\tann@example.com\tAnn\t1.5' });
  });

  it('compileRow trims header names', () => {
    const row = compile({ header: [' customer_id', 'email ', 'name', 'score'] });
    expect(row.columns).toEqual(['customer_id', 'email', 'name', 'score']);
  });

  it('compileRow ignores extra file columns', () => {
    const row = compile({ header: ['customer_id', 'extra', 'email', 'name', 'score'] });
    expect(row.encode(['7', 'x', 'a@b.io', 'Ann', '1'])).toEqual({ line: '7\ta@b.io\tAnn\t1' });
  });

  it('compileRow skips missing nullable columns', () => {
    const row = compile({ header: ['customer_id', 'email'] });
    expect(row.columns).toEqual(['customer_id', 'email']);
    expect(row.encode(['7', 'a@b.io'])).toEqual({ line: '7\ta@b.io' });
  });

  it('compileRow rejects a missing key column', () => {
    const message = compileError({ header: ['email', 'name'] }, 'CSV_MALFORMED');
    expect(message).toBe('The file has no column for required field "customer_id". Header: email, name.');
  });

  it('compileRow rejects missing not-null columns', () => {
    const message = compileError({ header: ['name'] }, 'CSV_MALFORMED');
    expect(message).toBe('The file has no column for required fields "customer_id", "email". Header: name.');
  });

  it('compileRow escapes COPY text', () => {
    const row = compile({ header });
    expect(row.encode(['7', 'a@b.io', 'Ann\tLee\\', ''])).toEqual({ line: '7\ta@b.io\tAnn\\tLee\\\\\t\\N' });
  });
});

describe('compileRow null markers', () => {
  it('compileRow writes the empty field as NULL', () => {
    const row = compile({ header });
    expect(row.encode(['7', 'a@b.io', '', ''])).toEqual({ line: '7\ta@b.io\t\\N\t\\N' });
  });

  it('compileRow honours custom null markers', () => {
    const row = compile({ header, nullMarkers: ['NULL', 'n/a'] });
    expect(row.encode(['7', 'a@b.io', 'NULL', 'n/a'])).toEqual({ line: '7\ta@b.io\t\\N\t\\N' });
  });

  it('compileRow keeps empty text without the marker', () => {
    const row = compile({ header, nullMarkers: ['NULL'] });
    expect(row.encode(['7', 'a@b.io', '', 'NULL'])).toEqual({ line: '7\ta@b.io\t\t\\N' });
  });

  it('compileRow writes a short record as NULL', () => {
    const row = compile({ header });
    expect(row.encode(['7', 'a@b.io'])).toEqual({ line: '7\ta@b.io\t\\N\t\\N' });
  });

  it('compileRow rejects NULL in a key column', () => {
    const row = compile({ header });
    expect(row.encode(['', 'a@b.io', 'Ann', '1'])).toEqual({
      errors: [{ field: 'customer_id', rule: 'required', message: 'customer_id must not be empty' }],
    });
  });

  it('compileRow rejects NULL in a not-null column', () => {
    const row = compile({ header });
    expect(row.encode(['7', '', 'Ann', '1'])).toEqual({
      errors: [{ field: 'email', rule: 'required', message: 'email must not be empty' }],
    });
  });
});

describe('compileRow transform steps', () => {
  it('rename maps a file column to a field', () => {
    const row = compile({
      header: ['id', 'email', 'full_name'],
      transforms: [transformOf([{ op: 'rename', from: 'id', to: 'customer_id' }, { op: 'rename', from: 'full_name', to: 'name' }])],
    });
    expect(row.columns).toEqual(['customer_id', 'email', 'name']);
    expect(row.encode(['7', 'a@b.io', 'Ann'])).toEqual({ line: '7\ta@b.io\tAnn' });
  });

  it('trim strips spaces', () => {
    const row = compile({ header, transforms: [transformOf([{ op: 'trim', fields: ['email', 'name'] }])] });
    expect(row.encode(['7', ' a@b.io ', '  Ann ', '1'])).toEqual({ line: '7\ta@b.io\tAnn\t1' });
  });

  it('case converts to upper and lower', () => {
    const row = compile({
      header,
      transforms: [transformOf([{ op: 'case', fields: ['email'], to: 'lower' }, { op: 'case', fields: ['name'], to: 'upper' }])],
    });
    expect(row.encode(['7', 'Ann@B.IO', 'Ann', '1'])).toEqual({ line: '7\tann@b.io\tANN\t1' });
  });

  it('default fills NULL and empty values', () => {
    const row = compile({ header, transforms: [transformOf([{ op: 'default', field: 'name', value: 'unknown' }])] });
    expect(row.encode(['7', 'a@b.io', '', '1'])).toEqual({ line: '7\ta@b.io\tunknown\t1' });
    expect(compile({ header, nullMarkers: ['-'], transforms: [transformOf([{ op: 'default', field: 'name', value: 'unknown' }])] })
      .encode(['7', 'a@b.io', '-', '1'])).toEqual({ line: '7\ta@b.io\tunknown\t1' });
  });

  it('default keeps present values', () => {
    const row = compile({ header, transforms: [transformOf([{ op: 'default', field: 'name', value: 'unknown' }])] });
    expect(row.encode(['7', 'a@b.io', 'Ann', '1'])).toEqual({ line: '7\ta@b.io\tAnn\t1' });
  });

  it('drop removes a column', () => {
    const row = compile({ header, transforms: [transformOf([{ op: 'drop', fields: ['name'] }])] });
    expect(row.columns).toEqual(['customer_id', 'email', 'score']);
    expect(row.encode(['7', 'a@b.io', 'Ann', '1'])).toEqual({ line: '7\ta@b.io\t1' });
  });

  it('steps run in order', () => {
    const trimThenDefault = compile({
      header,
      transforms: [transformOf([{ op: 'trim', fields: ['name'] }, { op: 'default', field: 'name', value: 'n/a' }])],
    });
    expect(trimThenDefault.encode(['7', 'a@b.io', '   ', '1'])).toEqual({ line: '7\ta@b.io\tn/a\t1' });

    const defaultThenTrim = compile({
      header,
      transforms: [transformOf([{ op: 'default', field: 'name', value: 'n/a' }, { op: 'trim', fields: ['name'] }])],
    });
    expect(defaultThenTrim.encode(['7', 'a@b.io', '   ', '1'])).toEqual({ line: '7\ta@b.io\t\t1' });
  });

  it('steps follow a rename', () => {
    const row = compile({
      header: ['customer_id', 'email', 'full_name'],
      transforms: [transformOf([{ op: 'rename', from: 'full_name', to: 'name' }]), transformOf([{ op: 'case', fields: ['name'], to: 'upper' }])],
    });
    expect(row.encode(['7', 'a@b.io', 'Ann'])).toEqual({ line: '7\ta@b.io\tANN' });
  });

  it('step on an unknown column is rejected', () => {
    const message = compileError({ header, transforms: [transformOf([{ op: 'trim', fields: ['phone'] }])] }, 'IR_INVALID');
    expect(message).toBe('Transform step "trim" names column "phone", which the file does not have. Columns: customer_id, email, name, score.');
  });

  it('step on a renamed-away column is rejected', () => {
    const message = compileError(
      { header, transforms: [transformOf([{ op: 'rename', from: 'name', to: 'full_name' }, { op: 'drop', fields: ['name'] }])] },
      'IR_INVALID',
    );
    expect(message).toBe('Transform step "drop" names column "name", which the file does not have. Columns: customer_id, email, score, full_name.');
  });

  it('drop of a required column is rejected', () => {
    const message = compileError({ header, transforms: [transformOf([{ op: 'drop', fields: ['email'] }])] }, 'CSV_MALFORMED');
    expect(message).toContain('required field "email"');
  });
});

describe('compileRow validation rules', () => {
  it('required rejects an empty value', () => {
    const row = compile({ header, nullMarkers: [], validates: [validateOf({ name: [{ rule: 'required' }] })] });
    expect(row.encode(['7', 'a@b.io', '', '1'])).toEqual({ errors: [{ field: 'name', rule: 'required', message: 'name is required' }] });
  });

  it('required rejects NULL', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'required' }] })] });
    expect(row.encode(['7', 'a@b.io', '', '1'])).toEqual({ errors: [{ field: 'name', rule: 'required', message: 'name is required' }] });
  });

  it('pattern rejects a mismatch', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'pattern', pattern: '^[A-Z][a-z]+$' }] })] });
    expect(row.encode(['7', 'a@b.io', 'Ann', '1'])).toEqual({ line: '7\ta@b.io\tAnn\t1' });
    expect(row.encode(['7', 'a@b.io', 'ann', '1'])).toEqual({
      errors: [{ field: 'name', rule: 'pattern', message: 'name "ann" does not match /^[A-Z][a-z]+$/' }],
    });
  });

  it('pattern skips NULL', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'pattern', pattern: '^x$' }] })] });
    expect(row.encode(['7', 'a@b.io', '', '1'])).toEqual({ line: '7\ta@b.io\t\\N\t1' });
  });

  it('range rejects values below min', () => {
    const row = compile({ header, validates: [validateOf({ score: [{ rule: 'range', min: 0, max: 100 }] })] });
    expect(row.encode(['7', 'a@b.io', 'Ann', '-0.5'])).toEqual({ errors: [{ field: 'score', rule: 'range', message: 'score -0.5 is below 0' }] });
  });

  it('range rejects values above max', () => {
    const row = compile({ header, validates: [validateOf({ score: [{ rule: 'range', min: 0, max: 100 }] })] });
    expect(row.encode(['7', 'a@b.io', 'Ann', '100.5'])).toEqual({ errors: [{ field: 'score', rule: 'range', message: 'score 100.5 is above 100' }] });
  });

  it('range accepts its bounds', () => {
    const row = compile({ header, validates: [validateOf({ score: [{ rule: 'range', min: 0, max: 100 }] })] });
    expect(row.encode(['7', 'a@b.io', 'Ann', '0'])).toEqual({ line: '7\ta@b.io\tAnn\t0' });
    expect(row.encode(['7', 'a@b.io', 'Ann', '100'])).toEqual({ line: '7\ta@b.io\tAnn\t100' });
  });

  it('range rejects a non-number', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'range', min: 0 }] })] });
    expect(row.encode(['7', 'a@b.io', 'Ann', '1'])).toEqual({ errors: [{ field: 'name', rule: 'range', message: 'name "Ann" is not a number' }] });
  });

  it('enum rejects other values', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'enum', values: ['Ann', 'Bob'] }] })] });
    expect(row.encode(['7', 'a@b.io', 'Bob', '1'])).toEqual({ line: '7\ta@b.io\tBob\t1' });
    expect(row.encode(['7', 'a@b.io', 'ann', '1'])).toEqual({ errors: [{ field: 'name', rule: 'enum', message: 'name "ann" is not one of Ann, Bob' }] });
  });

  it('length rejects short values', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'length', min: 2, max: 4 }] })] });
    expect(row.encode(['7', 'a@b.io', 'A', '1'])).toEqual({ errors: [{ field: 'name', rule: 'length', message: 'name is shorter than 2 characters' }] });
  });

  it('length rejects long values', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'length', min: 2, max: 4 }] })] });
    expect(row.encode(['7', 'a@b.io', 'Annie', '1'])).toEqual({ errors: [{ field: 'name', rule: 'length', message: 'name is longer than 4 characters' }] });
  });

  it('length counts code points', () => {
    const row = compile({ header, validates: [validateOf({ name: [{ rule: 'length', max: 4 }] })] });
    expect(row.encode(['7', 'a@b.io', 'Jö😀😀', '1'])).toEqual({ line: '7\ta@b.io\tJö😀😀\t1' });
  });

  it('email rejects malformed addresses', () => {
    const row = compile({ header, validates: [validateOf({ email: [{ rule: 'email' }] })] });
    expect(row.encode(['7', 'ann@example.com', 'Ann', '1'])).toEqual({ line: '7\tann@example.com\tAnn\t1' });
    expect(row.encode(['7', 'ann@example', 'Ann', '1'])).toEqual({
      errors: [{ field: 'email', rule: 'email', message: 'email "ann@example" is not an email address' }],
    });
    expect(row.encode(['7', 'ann smith@example.com', 'Ann', '1'])).toHaveProperty('errors.0.rule', 'email');
  });

  it('rules see transformed values', () => {
    const row = compile({
      header,
      transforms: [transformOf([{ op: 'case', fields: ['name'], to: 'upper' }])],
      validates: [validateOf({ name: [{ rule: 'enum', values: ['ANN'] }] })],
    });
    expect(row.encode(['7', 'a@b.io', 'ann', '1'])).toEqual({ line: '7\ta@b.io\tANN\t1' });
  });

  it('all errors of a row are reported', () => {
    const row = compile({
      header,
      validates: [validateOf({ email: [{ rule: 'email' }], name: [{ rule: 'length', max: 3 }, { rule: 'pattern', pattern: '^[A-Z]' }] })],
    });
    expect(row.encode(['x', 'nope', 'annie', '5000'])).toEqual({
      errors: [
        { field: 'customer_id', rule: 'type', message: 'customer_id: "x" is not a valid integer' },
        { field: 'email', rule: 'email', message: 'email "nope" is not an email address' },
        { field: 'name', rule: 'length', message: 'name is longer than 3 characters' },
        { field: 'name', rule: 'pattern', message: 'name "annie" does not match /^[A-Z]/' },
        { field: 'score', rule: 'type', message: 'score: "5000" does not fit numeric(5,2): at most 3 digits before the decimal point' },
      ],
    });
  });

  it('type errors use rule type', () => {
    const row = compile({ header });
    expect(row.encode(['2147483648', 'a@b.io', 'Ann', '1'])).toEqual({
      errors: [{ field: 'customer_id', rule: 'type', message: 'customer_id: "2147483648" is out of range for integer' }],
    });
  });

  it('cast output reaches the line', () => {
    const typed = datasetFieldsSchema.parse([
      { name: 'id', type: 'integer', isPrimaryKey: true },
      { name: 'active', type: 'boolean' },
    ]);
    const row = compile({ header: ['id', 'active'], datasetFields: typed });
    expect(row.encode([' 7 ', 'Yes'])).toEqual({ line: '7\tt' });
  });
});
