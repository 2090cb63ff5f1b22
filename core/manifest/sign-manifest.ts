import { InputError } from '../errors';
import { isObject } from '../io/json';
import { INTOTO_STATEMENT_V1, type Statement } from '../oms/types';
import type { Registry, RegistryEntry } from '../registry/registry';
import { signStatement, type SigningIdentity } from '../sign/sign-model';
import { OMS_ROOT_PROPERTY } from './properties';

export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';

/** The model a BOM describes, by the root digest it records. */
export function manifestSubject(bom: Record<string, unknown>, file: string): { name: string; digest: string } {
  const meta = isObject(bom.metadata) ? bom.metadata : {};
  const model = isObject(meta.component) ? meta.component : undefined;
  const props = model && Array.isArray(model.properties) ? model.properties : [];
  const root = props.find((p) => isObject(p) && p.name === OMS_ROOT_PROPERTY);
  const hex = isObject(root) && typeof root.value === 'string' ? root.value.replace(/^sha256:/, '') : undefined;
  if (!model || !hex || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new InputError('MANIFEST_NO_SUBJECT', `the manifest does not record its model's root digest (metadata.component property ${OMS_ROOT_PROPERTY})`, { file });
  }
  return { name: String(model.name ?? 'model'), digest: hex };
}

/**
 * Signs a manifest as an in-toto attestation (predicateType https://cyclonedx.org/bom)
 * about the model's root digest, and stores it with the other attestations.
 */
export async function signManifest(bom: Record<string, unknown>, file: string, signer: SigningIdentity, registry?: Registry): Promise<{ statement: Statement; bundle: string; entry?: RegistryEntry }> {
  const subject = manifestSubject(bom, file);
  const statement: Statement = {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: subject.name, digest: { sha256: subject.digest } }],
    predicateType: CYCLONEDX_PREDICATE,
    predicate: bom,
  };
  const bundle = signStatement(statement, signer);
  const entry = registry ? await registry.put(bundle) : undefined;
  return { statement, bundle, ...(entry ? { entry } : {}) };
}
