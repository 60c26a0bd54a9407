import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const algorithm = 'aes-256-gcm';
const formatVersion = 'v1';

/** Encrypts a JSON-serialisable secret with AES-256-GCM; returns `v1:iv:tag:ciphertext` in base64. */
export function encryptSecret(value: unknown, keyHex: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(algorithm, Buffer.from(keyHex, 'hex'), iv);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [formatVersion, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
}

/** Decrypts what `encryptSecret` produced; throws when the key is wrong or the text was altered. */
export function decryptSecret<T>(sealed: string, keyHex: string): T {
  const [version, iv, tag, ciphertext] = sealed.split(':');
  if (version !== formatVersion || !iv || !tag || !ciphertext) {
    throw new Error(`Encrypted secret has an unknown format (expected prefix "${formatVersion}:").`);
  }
  const decipher = createDecipheriv(algorithm, Buffer.from(keyHex, 'hex'), Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
  return JSON.parse(plaintext.toString('utf8')) as T;
}
