import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '../../src/crypto/secret-box.ts';

const key = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const otherKey = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';
const secret = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalr/XUtnFEMI+K7MDENG' };

/** Flips the first bit of the base64 ciphertext part of a sealed value. */
function tamper(sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(':');
  const bytes = Buffer.from(ciphertext!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return [version, iv, tag, bytes.toString('base64')].join(':');
}

describe('encryptSecret', () => {
  it('encryptSecret round trips an object', () => {
    expect(decryptSecret(encryptSecret(secret, key), key)).toEqual(secret);
  });

  it('encryptSecret round trips a string', () => {
    expect(decryptSecret(encryptSecret('pässwörd', key), key)).toBe('pässwörd');
  });

  it('encryptSecret writes the v1 format', () => {
    const parts = encryptSecret(secret, key).split(':');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('v1');
    expect(Buffer.from(parts[1]!, 'base64')).toHaveLength(12);
    expect(Buffer.from(parts[2]!, 'base64')).toHaveLength(16);
  });

  it('encryptSecret hides the plaintext', () => {
    expect(encryptSecret(secret, key)).not.toContain('AKIAEXAMPLE');
  });

  it('encryptSecret differs between two calls', () => {
    const first = encryptSecret(secret, key);
    const second = encryptSecret(secret, key);
    expect(first).not.toBe(second);
    expect(first.split(':')[1]).not.toBe(second.split(':')[1]);
  });
});

describe('decryptSecret', () => {
  it('decryptSecret rejects a wrong key', () => {
    const sealed = encryptSecret(secret, key);
    expect(() => decryptSecret(sealed, otherKey)).toThrow();
  });

  it('decryptSecret rejects a tampered ciphertext', () => {
    const sealed = encryptSecret(secret, key);
    expect(() => decryptSecret(tamper(sealed), key)).toThrow();
  });

  it('decryptSecret rejects a tampered tag', () => {
    const [version, iv, tag, ciphertext] = encryptSecret(secret, key).split(':');
    const bytes = Buffer.from(tag!, 'base64');
    bytes[15] = bytes[15]! ^ 0x80;
    expect(() => decryptSecret([version, iv, bytes.toString('base64'), ciphertext].join(':'), key)).toThrow();
  });

  it('decryptSecret rejects an unknown version', () => {
    const sealed = encryptSecret(secret, key).replace(/^v1:/, 'v2:');
    expect(() => decryptSecret(sealed, key)).toThrow('Encrypted secret has an unknown format (expected prefix "v1:").');
  });

  it('decryptSecret rejects missing parts', () => {
    expect(() => decryptSecret('v1:abc', key)).toThrow('unknown format');
  });
});
