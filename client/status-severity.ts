// The language status item's severity, kept free of `vscode` so that a unit test can hold it
// (test/lsp/status-severity.test.ts). VS Code draws it as the item's icon in the `{}` hover and,
// when pinned, as the colour of its status bar entry: a person reads it before the words.

/** What the language status knows about the active document, as far as its severity goes. */
export interface SeverityInputs {
  /** The model's one state (a `model.sig`), when there is one. */
  modelState?: string;
  /** A bundle attestation's trust state, when there is one. */
  attestationState?: string;
  /** The document's worst diagnostic is an error. */
  worstIsError?: boolean;
  /** The configured policy cannot be loaded. */
  policyProblem?: boolean;
  /** Trust settings that are misplaced (a CA certificate in trustedKeys, …). */
  trustProblems?: number;
  /** With state `not-configured`: nothing at all is configured (a first run), not merely nothing for this kind. */
  nothingConfigured?: boolean;
}

export type StatusSeverity = 'information' | 'warning' | 'error';

/** States that mean "do not use this": an error, whatever else holds. */
const BAD = new Set(['modified', 'untrusted', 'invalid', 'error', 'flagged']);

/**
 * Error when something is wrong with the files or the signature (modified, an untrusted or
 * invalid signer, flagged, an error diagnostic, a policy that does not load); warning when the
 * person has something to fix in their own setup (a model too large to verify automatically, a
 * misplaced trust setting); information otherwise. "Signature not checked: no trusted signer
 * configured" with matching files, when nothing at all is configured, is information, like its
 * diagnostic and badge: it is not a failure, only a step not taken yet (issue 9: "an information
 * or error diagnostic"). With other trust configured but none for this kind of signature it is
 * an error, like an untrusted signer of any kind (finding 10: one severity for one situation). A
 * changed file with no trust configured is state `modified`, so still an error.
 */
export function statusSeverity(s: SeverityInputs): StatusSeverity {
  if ((s.modelState && BAD.has(s.modelState)) || (s.attestationState && BAD.has(s.attestationState)) || s.worstIsError || s.policyProblem) return 'error';
  // Not checked while other trust is configured is "signer not trusted", an error for every kind alike (finding 10).
  if ((s.modelState === 'not-configured' || s.attestationState === 'not-configured') && !s.nothingConfigured) return 'error';
  if (s.modelState === 'too-large' || (s.trustProblems ?? 0) > 0) return 'warning';
  return 'information';
}
