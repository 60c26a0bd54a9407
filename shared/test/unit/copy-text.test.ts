import { describe, expect, it } from 'vitest';
import { COPY_NULL, escapeCopyText } from '../../src/engine/copy-text.ts';

describe('escapeCopyText', () => {
  it('escapeCopyText escapes backslash', () => {
    expect(escapeCopyText('C:\\temp')).toBe('C:\\\\temp');
  });

  it('escapeCopyText escapes tab', () => {
    expect(escapeCopyText('a\tb')).toBe('a\\tb');
  });

  it('escapeCopyText escapes newline', () => {
    expect(escapeCopyText('a\nb')).toBe('a\\nb');
  });

  it('escapeCopyText escapes carriage return', () => {
    expect(escapeCopyText('a\r\nb')).toBe('a\\r\\nb');
  });

  it('escapeCopyText escapes every occurrence', () => {
    expect(escapeCopyText('\\\t\\\n')).toBe('\\\\\\t\\\\\\n');
  });

  it('escapeCopyText keeps the null marker distinct', () => {
    expect(escapeCopyText('\\N')).toBe('\\\\N');
    expect(escapeCopyText('\\N')).not.toBe(COPY_NULL);
  });

  it('escapeCopyText returns plain strings unchanged', () => {
    expect(escapeCopyText('plain text, "quoted"; 42')).toBe('plain text, "quoted"; 42');
    expect(escapeCopyText('')).toBe('');
    expect(escapeCopyText('Grüße 😀')).toBe('Grüße 😀');
  });

  it('escapeCopyText keeps non-ASCII next to escapes', () => {
    expect(escapeCopyText('ä\t😀')).toBe('ä\\t😀');
  });
});
