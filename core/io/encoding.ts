import { InputError } from '../errors';

const STD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes standard or URL-safe base64 (DSSE allows both) and rejects anything else.
 * Buffer.from(…, 'base64') silently skips garbage, which would let a mangled
 * signature decode to different bytes without a word.
 */
export function decodeBase64(value: unknown, what: string, file?: string, pointer?: string): Buffer {
  if (typeof value !== 'string') {
    throw new InputError('BASE64_INVALID', `${what} is not a base64 string`, { file, pointer });
  }
  const s = value.replace(/\s+/g, '');
  if (s.length % 4 === 1 || !(STD.test(s) || URL_SAFE.test(s))) {
    throw new InputError('BASE64_INVALID', `${what} is not valid base64`, { file, pointer });
  }
  return Buffer.from(s, STD.test(s) ? 'base64' : 'base64url');
}

export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data).toString('base64');
}
