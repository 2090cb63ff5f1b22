import { readFileSync } from 'node:fs';
import { fsError } from '../errors';
import { parseBundle, type ParsedBundle } from '../sigstore/bundle';
import { parseOmsPayload } from './manifest';
import { INTOTO_PAYLOAD_TYPE, type OmsManifest } from './types';
import { InputError } from '../errors';

export interface InspectedSignature {
  bundle: ParsedBundle;
  /** Read from the payload WITHOUT checking the signature: for display and format checks only. */
  unverifiedManifest: OmsManifest;
}

/**
 * Format validation of an OMS signature file (bundle, envelope, statement, predicate),
 * as OMS §8.1/§8.3 describe it, without any key. Never a basis for trust: verifyModel
 * reads the payload only after the signature checks out.
 */
export function inspectSignatureText(text: string, file: string): InspectedSignature {
  const bundle = parseBundle(text, file);
  if (bundle.envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new InputError('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${JSON.stringify(bundle.envelope.payloadType)} is not ${INTOTO_PAYLOAD_TYPE}`, { file });
  }
  return { bundle, unverifiedManifest: parseOmsPayload(bundle.envelope.payload, file) };
}

export function inspectSignatureFile(file: string): InspectedSignature {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the signature');
  }
  return inspectSignatureText(text, file);
}
