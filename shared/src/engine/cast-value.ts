import type { DatasetField } from '../datasets/field-schema.ts';

/** Converts one CSV value (never null) to the text PostgreSQL accepts for the column, or throws CastError. */
export type CastFunction = (value: string) => string;

export class CastError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CastError';
  }
}

const integerPattern = /^[+-]?\d+$/;
const numericPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern = /^\d{4}-\d{2}-\d{2}(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const INT32_MAX = 2_147_483_647n;
const INT64_MAX = 9_223_372_036_854_775_807n;
const booleanWords: Record<string, 't' | 'f'> = {
  true: 't', t: 't', yes: 't', y: 't', on: 't', '1': 't',
  false: 'f', f: 'f', no: 'f', n: 'f', off: 'f', '0': 'f',
};

function castInteger(bits: 32 | 64): CastFunction {
  const max = bits === 32 ? INT32_MAX : INT64_MAX;
  const typeName = bits === 32 ? 'integer' : 'bigint';
  return (value) => {
    const trimmed = value.trim();
    if (!integerPattern.test(trimmed)) throw new CastError(`"${value}" is not a valid ${typeName}`);
    // Up to 9 digits always fits in int32 and 18 in int64, so only longer values need BigInt.
    const digits = trimmed.replace(/^[+-]/, '').length;
    if (digits > (bits === 32 ? 9 : 18)) {
      const parsed = BigInt(trimmed);
      if (parsed > max || parsed < -max - 1n) throw new CastError(`"${value}" is out of range for ${typeName}`);
    }
    return trimmed;
  };
}

/**
 * Counts the digits before the decimal point that a plain decimal literal (no exponent) has
 * once rounded to `scale` digits after it, half away from zero as PostgreSQL rounds.
 */
function roundedWholeDigitCount(literal: string, scale: number): number {
  const [whole = '', fraction = ''] = literal.replace(/^[+-]/, '').split('.');
  let digits = BigInt(`${whole || '0'}${fraction.slice(0, scale).padEnd(scale, '0')}`);
  if ((fraction[scale] ?? '0') >= '5') digits += 1n;
  const rounded = (digits / 10n ** BigInt(scale)).toString();
  return rounded === '0' ? 0 : rounded.length;
}

/** Counts the digits before the decimal point of a numeric literal, after applying its exponent. */
function wholeDigitCount(literal: string): number {
  const [mantissa = '', exponent = '0'] = literal.replace(/^[+-]/, '').split(/[eE]/);
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero === -1) return 0;
  return Math.max(0, whole.length + Number(exponent) - firstNonZero);
}

function castNumeric(precision: number | undefined, scale: number | undefined): CastFunction {
  const integerDigits = precision === undefined ? undefined : precision - (scale ?? 0);
  return (value) => {
    const trimmed = value.trim();
    if (!numericPattern.test(trimmed)) throw new CastError(`"${value}" is not a valid number`);
    const exponent = /[eE]/.test(trimmed);
    // NOTE: rounding is checked for plain decimals only; an exponent form is checked before rounding.
    const digits = !exponent && scale !== undefined ? roundedWholeDigitCount(trimmed, scale) : wholeDigitCount(trimmed);
    if (integerDigits !== undefined && digits > integerDigits) {
      throw new CastError(`"${value}" does not fit numeric(${precision},${scale ?? 0}): at most ${integerDigits} digits before the decimal point`);
    }
    return trimmed;
  };
}

const castDate: CastFunction = (value) => {
  const trimmed = value.trim();
  const match = datePattern.exec(trimmed);
  if (!match) throw new CastError(`"${value}" is not a date in YYYY-MM-DD form`);
  const [, year, month, day] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) {
    throw new CastError(`"${value}" is not a calendar date`);
  }
  return trimmed;
};

const castTimestamp: CastFunction = (value) => {
  const trimmed = value.trim();
  const match = timestampPattern.exec(trimmed);
  if (!match) throw new CastError(`"${value}" is not an ISO 8601 timestamp`);
  castDate(trimmed.slice(0, 10));
  const [, hour = '0', minute = '0', second = '0'] = match;
  // PostgreSQL allows 24:00:00 (end of day) and a leap second 60.
  const endOfDay = hour === '24' && minute === '00' && Number(second) === 0;
  if ((Number(hour) > 23 && !endOfDay) || Number(minute) > 59 || Number(second) > 60) {
    throw new CastError(`"${value}" has a time of day out of range`);
  }
  return trimmed;
};

const castBoolean: CastFunction = (value) => {
  const mapped = booleanWords[value.trim().toLowerCase()];
  if (mapped === undefined) throw new CastError(`"${value}" is not a boolean (true/false, t/f, yes/no, 1/0)`);
  return mapped;
};

const castJson: CastFunction = (value) => {
  try {
    JSON.parse(value);
  } catch {
    throw new CastError(`"${value.length > 80 ? `${value.slice(0, 80)}...` : value}" is not valid JSON`);
  }
  return value;
};

const castText: CastFunction = (value) => {
  if (value.includes('\u0000')) throw new CastError('the value contains a NUL byte, which PostgreSQL text cannot store');
  return value;
};

/** Returns the cast function of a dataset field, chosen once per run, not per row. */
export function castFunctionFor(field: Pick<DatasetField, 'type' | 'precision' | 'scale'>): CastFunction {
  switch (field.type) {
    case 'text':
      return castText;
    case 'integer':
      return castInteger(32);
    case 'bigint':
      return castInteger(64);
    case 'numeric':
      return castNumeric(field.precision, field.scale);
    case 'boolean':
      return castBoolean;
    case 'date':
      return castDate;
    case 'timestamptz':
      return castTimestamp;
    case 'jsonb':
      return castJson;
  }
}
