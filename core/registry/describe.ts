import { InputError } from '../errors';
import { isObject, parseStrictJson } from '../io/json';
import { parseBundle } from '../sigstore/bundle';
import { INTOTO_PAYLOAD_TYPE } from '../oms/types';

export interface BundleSummary {
  subjects: string[];
  predicateType: string;
  stage?: string;
}

/**
 * What a bundle says about itself, for indexing. Unverified by design: the index only
 * decides where to look; every reader verifies the signature before trusting a byte.
 */
export function summariseBundle(text: string, file: string): BundleSummary {
  const bundle = parseBundle(text, file);
  if (bundle.envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new InputError('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${JSON.stringify(bundle.envelope.payloadType)} is not an in-toto statement`, { file });
  }
  const st = parseStrictJson(bundle.envelope.payload.toString('utf8'), `${file} (payload)`);
  if (!isObject(st) || !Array.isArray(st.subject) || typeof st.predicateType !== 'string') {
    throw new InputError('PAYLOAD_MALFORMED', 'the payload is not an in-toto statement', { file });
  }
  const subjects = st.subject
    .map((s) => (isObject(s) && isObject(s.digest) && typeof s.digest.sha256 === 'string' ? `sha256:${s.digest.sha256}` : undefined))
    .filter((d): d is string => d !== undefined && /^sha256:[0-9a-f]{64}$/.test(d));
  if (subjects.length === 0) throw new InputError('PAYLOAD_MALFORMED', 'the statement has no sha256 subject', { file });
  const bd = isObject(st.predicate) && isObject(st.predicate.buildDefinition) ? st.predicate.buildDefinition : undefined;
  const stage = bd && isObject(bd.externalParameters) && typeof bd.externalParameters.stage === 'string' ? bd.externalParameters.stage : undefined;
  return { subjects: [...new Set(subjects)], predicateType: st.predicateType, ...(stage ? { stage } : {}) };
}
