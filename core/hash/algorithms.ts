import { InputError } from '../errors';

/** OMS file-hash identifiers (algorithm registry) mapped to Node digest names. */
const NODE_NAMES: Record<string, string> = {
  sha256: 'sha256',
  blake2b: 'blake2b512',
};

export type HashType = 'sha256' | 'blake2b';

export function nodeHashName(hashType: unknown, file?: string): string {
  if (typeof hashType === 'string' && Object.prototype.hasOwnProperty.call(NODE_NAMES, hashType)) {
    return NODE_NAMES[hashType]!;
  }
  throw new InputError(
    'HASH_ALGORITHM_UNSUPPORTED',
    `hash algorithm ${JSON.stringify(hashType)} is not supported (supported: ${Object.keys(NODE_NAMES).join(', ')})`,
    { file },
  );
}
