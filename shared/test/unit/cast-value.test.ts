import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/datasets/field-schema.ts';
import { CastError, castFunctionFor } from '../../src/engine/cast-value.ts';

function castAs(field: Pick<DatasetField, 'type' | 'precision' | 'scale'>, value: string): string {
  return castFunctionFor(field)(value);
}

const integer = { type: 'integer' } as const;
const bigint = { type: 'bigint' } as const;
const numeric = { type: 'numeric' } as const;
const numeric52 = { type: 'numeric', precision: 5, scale: 2 } as const;
const boolean = { type: 'boolean' } as const;
const date = { type: 'date' } as const;
const timestamp = { type: 'timestamptz' } as const;
const jsonb = { type: 'jsonb' } as const;
const text = { type: 'text' } as const;

describe('castFunctionFor integer', () => {
  it('integer accepts int32 bounds', () => {
    expect(castAs(integer, '2147483647')).toBe('2147483647');
    expect(castAs(integer, '-2147483648')).toBe('-2147483648');
  });

  it('integer rejects values past int32', () => {
    expect(() => castAs(integer, '2147483648')).toThrow(CastError);
    expect(() => castAs(integer, '-2147483649')).toThrow('"-2147483649" is out of range for integer');
  });

  it('integer accepts leading zeros within range', () => {
    expect(castAs(integer, '0000000002147483647')).toBe('0000000002147483647');
  });

  it('integer handles signs and spaces', () => {
    expect(castAs(integer, '+42')).toBe('+42');
    expect(castAs(integer, '-0')).toBe('-0');
    expect(castAs(integer, '  17 ')).toBe('17');
  });

  it('integer rejects non-integer text', () => {
    expect(() => castAs(integer, '1.5')).toThrow('"1.5" is not a valid integer');
    expect(() => castAs(integer, '1 000')).toThrow(CastError);
    expect(() => castAs(integer, '- 1')).toThrow(CastError);
    expect(() => castAs(integer, '')).toThrow(CastError);
    expect(() => castAs(integer, '1e3')).toThrow(CastError);
    expect(() => castAs(integer, '0x10')).toThrow(CastError);
  });

  it('bigint accepts int64 bounds', () => {
    expect(castAs(bigint, '9223372036854775807')).toBe('9223372036854775807');
    expect(castAs(bigint, '-9223372036854775808')).toBe('-9223372036854775808');
  });

  it('bigint rejects values past int64', () => {
    expect(() => castAs(bigint, '9223372036854775808')).toThrow('"9223372036854775808" is out of range for bigint');
    expect(() => castAs(bigint, '-9223372036854775809')).toThrow(CastError);
  });

  it('bigint accepts values past int32', () => {
    expect(castAs(bigint, '2147483648')).toBe('2147483648');
  });
});

describe('castFunctionFor numeric', () => {
  it('numeric accepts decimal forms', () => {
    expect(castAs(numeric, '3.14')).toBe('3.14');
    expect(castAs(numeric, '-0.5')).toBe('-0.5');
    expect(castAs(numeric, '+7')).toBe('+7');
    expect(castAs(numeric, '.5')).toBe('.5');
    expect(castAs(numeric, '5.')).toBe('5.');
    expect(castAs(numeric, ' 12.5 ')).toBe('12.5');
  });

  it('numeric accepts exponent forms', () => {
    expect(castAs(numeric, '1e3')).toBe('1e3');
    expect(castAs(numeric, '1.5E-7')).toBe('1.5E-7');
    expect(castAs(numeric, '-2.5e+10')).toBe('-2.5e+10');
  });

  it('numeric rejects malformed numbers', () => {
    expect(() => castAs(numeric, 'abc')).toThrow('"abc" is not a valid number');
    expect(() => castAs(numeric, '1e')).toThrow(CastError);
    expect(() => castAs(numeric, '1,5')).toThrow(CastError);
    expect(() => castAs(numeric, '.')).toThrow(CastError);
    expect(() => castAs(numeric, '')).toThrow(CastError);
  });

  it('numeric(5,2) accepts three integer digits', () => {
    expect(castAs(numeric52, '999.99')).toBe('999.99');
    expect(castAs(numeric52, '-999.99')).toBe('-999.99');
    expect(castAs(numeric52, '000123.4')).toBe('000123.4');
  });

  it('numeric(5,2) rejects four integer digits', () => {
    expect(() => castAs(numeric52, '1000')).toThrow('"1000" does not fit numeric(5,2): at most 3 digits before the decimal point');
    expect(() => castAs(numeric52, '-1000.5')).toThrow(CastError);
  });

  it('numeric(5,2) checks exponent forms', () => {
    expect(castAs(numeric52, '9.9e2')).toBe('9.9e2');
    expect(castAs(numeric52, '12345e-3')).toBe('12345e-3');
    expect(castAs(numeric52, '0.001e2')).toBe('0.001e2');
    expect(() => castAs(numeric52, '1e3')).toThrow('"1e3" does not fit numeric(5,2)');
    expect(() => castAs(numeric52, '1e10')).toThrow(CastError);
    expect(() => castAs(numeric52, '0.5e4')).toThrow(CastError);
  });

  it('numeric(4,4) rejects any integer digit', () => {
    const fraction = { type: 'numeric', precision: 4, scale: 4 } as const;
    expect(castAs(fraction, '0.1234')).toBe('0.1234');
    expect(() => castAs(fraction, '1.5')).toThrow(CastError);
  });

  it('numeric(3) defaults scale to zero', () => {
    const whole = { type: 'numeric', precision: 3 } as const;
    expect(castAs(whole, '999')).toBe('999');
    expect(() => castAs(whole, '1000')).toThrow('"1000" does not fit numeric(3,0)');
  });
});

describe('castFunctionFor boolean', () => {
  it('boolean maps true words to t', () => {
    for (const word of ['true', 't', 'yes', 'y', 'on', '1']) {
      expect(castAs(boolean, word), word).toBe('t');
    }
  });

  it('boolean maps false words to f', () => {
    for (const word of ['false', 'f', 'no', 'n', 'off', '0']) {
      expect(castAs(boolean, word), word).toBe('f');
    }
  });

  it('boolean ignores case and spaces', () => {
    expect(castAs(boolean, 'TRUE')).toBe('t');
    expect(castAs(boolean, 'Yes')).toBe('t');
    expect(castAs(boolean, 'oFf')).toBe('f');
    expect(castAs(boolean, ' N ')).toBe('f');
  });

  it('boolean rejects other words', () => {
    expect(() => castAs(boolean, 'maybe')).toThrow('"maybe" is not a boolean (true/false, t/f, yes/no, 1/0)');
    expect(() => castAs(boolean, '2')).toThrow(CastError);
    expect(() => castAs(boolean, '')).toThrow(CastError);
  });
});

describe('castFunctionFor date', () => {
  it('date accepts leap day 2024', () => {
    expect(castAs(date, '2024-02-29')).toBe('2024-02-29');
  });

  it('date rejects leap day 2023', () => {
    expect(() => castAs(date, '2023-02-29')).toThrow('"2023-02-29" is not a calendar date');
  });

  it('date rejects month 13', () => {
    expect(() => castAs(date, '2026-13-01')).toThrow('"2026-13-01" is not a calendar date');
  });

  it('date rejects day 31 of April', () => {
    expect(() => castAs(date, '2026-04-31')).toThrow(CastError);
  });

  it('date rejects other forms', () => {
    expect(() => castAs(date, '04/12/2026')).toThrow('"04/12/2026" is not a date in YYYY-MM-DD form');
    expect(() => castAs(date, '2026-1-5')).toThrow(CastError);
    expect(() => castAs(date, '2026-12-04T10:00:00Z')).toThrow(CastError);
  });

  it('date trims surrounding spaces', () => {
    expect(castAs(date, ' 2026-12-04 ')).toBe('2026-12-04');
  });
});

describe('castFunctionFor timestamptz', () => {
  it('timestamptz accepts microseconds and offsets', () => {
    expect(castAs(timestamp, '2026-12-04T10:15:30.123456Z')).toBe('2026-12-04T10:15:30.123456Z');
    expect(castAs(timestamp, '2026-12-04T10:15:30.5+02:00')).toBe('2026-12-04T10:15:30.5+02:00');
    expect(castAs(timestamp, '2026-12-04 10:15:30-0530')).toBe('2026-12-04 10:15:30-0530');
    expect(castAs(timestamp, '2026-12-04 10:15:30 +01')).toBe('2026-12-04 10:15:30 +01');
  });

  it('timestamptz accepts shorter forms', () => {
    expect(castAs(timestamp, '2026-12-04')).toBe('2026-12-04');
    expect(castAs(timestamp, '2026-12-04T10:15')).toBe('2026-12-04T10:15');
    expect(castAs(timestamp, '2026-12-04t10:15:30z')).toBe('2026-12-04t10:15:30z');
  });

  it('timestamptz rejects seven fraction digits', () => {
    expect(() => castAs(timestamp, '2026-12-04T10:15:30.1234567Z')).toThrow('is not an ISO 8601 timestamp');
  });

  it('timestamptz rejects other forms', () => {
    expect(() => castAs(timestamp, '04.12.2026 10:15')).toThrow(CastError);
    expect(() => castAs(timestamp, '2026-12-04T10')).toThrow(CastError);
    expect(() => castAs(timestamp, 'now')).toThrow(CastError);
  });

  it('timestamptz rejects impossible dates', () => {
    expect(() => castAs(timestamp, '2026-13-01T00:00:00Z')).toThrow('is not a calendar date');
    expect(() => castAs(timestamp, '2023-02-29 12:00:00+00')).toThrow(CastError);
    expect(castAs(timestamp, '2024-02-29 12:00:00+00')).toBe('2024-02-29 12:00:00+00');
  });
});

describe('castFunctionFor jsonb', () => {
  it('jsonb returns valid JSON unchanged', () => {
    expect(castAs(jsonb, '{"a": [1, 2]}')).toBe('{"a": [1, 2]}');
    expect(castAs(jsonb, '"text"')).toBe('"text"');
    expect(castAs(jsonb, 'null')).toBe('null');
    expect(castAs(jsonb, ' 42 ')).toBe(' 42 ');
  });

  it('jsonb rejects invalid JSON', () => {
    expect(() => castAs(jsonb, '{a: 1}')).toThrow('"{a: 1}" is not valid JSON');
    expect(() => castAs(jsonb, "{'a': 1}")).toThrow(CastError);
  });

  it('jsonb shortens long values in messages', () => {
    const long = `{${'x'.repeat(100)}`;
    expect(() => castAs(jsonb, long)).toThrow(`"${long.slice(0, 80)}..." is not valid JSON`);
  });
});

describe('castFunctionFor text', () => {
  it('text passes values through', () => {
    expect(castAs(text, '  spaced  ')).toBe('  spaced  ');
    expect(castAs(text, '')).toBe('');
    expect(castAs(text, 'line\nbreak\t\\')).toBe('line\nbreak\t\\');
  });
});
