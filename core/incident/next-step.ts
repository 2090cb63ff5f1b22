/**
 * The next step a report prints when an advisory in force (or the policy's `flagged` list)
 * refuses a model: FLAGGED_ARTIFACT or SIGNER_REVOKED, in a signature or a chain.
 */
export const FLAGGED_NEXT =
  'an advisory in force flags this model, an input of it, or its signer: do not deploy; `incident impact ADVISORY-ID` names what is affected and what to roll back to.';
