import type { ModelStateView, UnsignedView } from '../../core/editor/protocol';

/**
 * What Show Lineage and Generate Report say on the view itself when no trust policy is set.
 * The editor has two kinds of trust, and a newcomer sees them disagree: the model's own
 * signature (model.sig) is checked against the trust settings (trustedKeys, certificateAnchors,
 * trustedIdentities) and shows "verified" on the lens, Problems, status and badge, while the
 * chain of attestations is checked only against a trust policy (modelProvenance.policy) and
 * shows "not verified" without one. The notice says both facts and how to set a policy.
 */
export interface TrustKindsNotice {
  title: string;
  lines: string[];
  /** The setting the view's button opens. */
  setting: 'modelProvenance.policy';
}

/** The trust setting that judges a signer, by the kind its description starts with ("key …", "certificate …", "keyless identity …"). */
export function settingFor(signer: string | undefined): string {
  if (signer?.startsWith('certificate')) return 'certificate anchors (modelProvenance.certificateAnchors)';
  if (signer?.startsWith('keyless')) return 'trusted identities (modelProvenance.trustedIdentities)';
  return 'trusted keys (modelProvenance.trustedKeys)';
}

/** One line on the model's own signature, from the server's one model state (what every other surface shows). */
export function modelSignatureLine(state: ModelStateView | UnsignedView | undefined): string {
  if (!state || 'unsigned' in state) return "The model has no signature of its own (no model.sig): only the attestations below speak for it.";
  if (state.phase !== 'done') return "The model's own signature (model.sig) is being checked; the lens and the status bar show its result.";
  if (state.state === 'verified') return `The model's own signature (model.sig) is verified: ${state.signer ?? 'its signer'}, by your ${settingFor(state.signer)}, as the lens, Problems, status and badge say.`;
  return `The model's own signature (model.sig): ${state.headline}. It is checked against your trusted keys, certificate anchors or identities, not against the policy.`;
}

/** The short line for the model's node: "model.sig verified: key 27cc… (your trusted keys)". */
export function modelSignatureDetail(state: ModelStateView | UnsignedView | undefined): string | undefined {
  if (!state || 'unsigned' in state || state.phase !== 'done') return undefined;
  if (state.state === 'verified') return `model.sig verified: ${state.signer ?? 'signer'} (your ${settingFor(state.signer).replace(/ \(.*$/, '')})`;
  return `model.sig: ${state.headline}`;
}

/**
 * The notice of Show Lineage (`view` 'lineage') or Generate Report ('report') when no trust
 * policy is set: the model signature's state as every other surface shows it, why the chain is
 * not checked, and how to set a policy (`policyFile`: a provenance-policy.json the workspace has).
 */
export function noPolicyNotice(state: ModelStateView | UnsignedView | undefined, view: 'lineage' | 'report', policyFile?: string): TrustKindsNotice {
  const chain =
    view === 'lineage'
      ? 'The chain of attestations (who produced each stage, from what) is checked against a trust policy, modelProvenance.policy, which names the keys or identities allowed to sign each stage. No policy is set, so no attestation signer was checked and every stage is drawn "? not verified": that says nothing against the model\'s own signature.'
      : 'This report counts only evidence checked against a trust policy, modelProvenance.policy, which names the keys or identities allowed to sign each stage. No policy is set, so the chain of custody is "not verified" and every framework counts 0%: that says nothing against the model\'s own signature.';
  const how = policyFile
    ? `To check the chain: set modelProvenance.policy to ${policyFile} (this workspace has one).`
    : 'To check the chain: write a provenance-policy.json naming your signers (your trusted key can be one; docs/provenance.md, "The trust policy") and set modelProvenance.policy to it.';
  return { title: "Two kinds of trust: the model's signature, and the chain of attestations", lines: [modelSignatureLine(state), chain, how], setting: 'modelProvenance.policy' };
}
