import { describe, expect, it } from 'vitest';
import { MAX_IDENTIFIER_BYTES, quoteIdent, quoteQualified } from '../../src/db/quote.ts';

describe('quoteIdent', () => {
  it('quoteIdent wraps a plain name', () => {
    expect(quoteIdent('customers')).toBe('"customers"');
  });

  it('quoteIdent doubles embedded quotes', () => {
    expect(quoteIdent('say "hi"')).toBe('"say ""hi"""');
  });

  it('quoteIdent keeps case and spaces', () => {
    expect(quoteIdent('Order Lines')).toBe('"Order Lines"');
  });

  it('quoteIdent rejects an empty name', () => {
    expect(() => quoteIdent('')).toThrow('SQL identifier must not be empty.');
  });

  it('quoteIdent rejects a NUL byte', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow('contains a NUL byte');
  });

  it('quoteIdent accepts exactly 63 bytes', () => {
    const name = 'a'.repeat(MAX_IDENTIFIER_BYTES);
    expect(quoteIdent(name)).toBe(`"${name}"`);
  });

  it('quoteIdent rejects 64 ASCII bytes', () => {
    expect(() => quoteIdent('a'.repeat(64))).toThrow('is 64 bytes; PostgreSQL allows at most 63');
  });

  it('quoteIdent counts bytes, not characters', () => {
    const name = 'ä'.repeat(32);
    expect(name.length).toBe(32);
    expect(() => quoteIdent(name)).toThrow('is 64 bytes; PostgreSQL allows at most 63');
  });

  it('quoteIdent accepts 31 two-byte characters', () => {
    const name = 'ä'.repeat(31);
    expect(quoteIdent(name)).toBe(`"${name}"`);
  });
});

describe('quoteQualified', () => {
  it('quoteQualified joins schema and table', () => {
    expect(quoteQualified('tenant_a', 'ds_orders')).toBe('"tenant_a"."ds_orders"');
  });

  it('quoteQualified quotes both parts', () => {
    expect(quoteQualified('a"b', 'c.d')).toBe('"a""b"."c.d"');
  });

  it('quoteQualified rejects an empty schema', () => {
    expect(() => quoteQualified('', 'ds_orders')).toThrow('must not be empty');
  });
});
