// The words of "Trust this signer…", kept free of `vscode` so that a unit test holds them
// (test/lsp/trust-wording.test.ts). A trust decision names exactly what gets trusted: for a
// certificate signature that is the certificate AUTHORITY that issued the signer's chain, not the
// signing certificate the bundle names (finding 6: the dialog said "Trust certificate CN=leaf…?"
// while it added the root CA, which trusts everything that CA ever issues).
import type { TrustCandidate } from '../core/editor/protocol';

/** What is added, as a noun phrase: "key 91aaa9a2…", "certificate authority CN=root-ca", "keyless identity … via …". */
export function trustedThing(c: TrustCandidate): string {
  if (c.kind === 'identity') return `keyless identity ${c.identity} via ${c.issuer}`;
  if (c.kind === 'key') return `key ${c.keyId.slice(0, 8)}…`;
  return `certificate authority ${c.subject}`;
}

/**
 * The confirmation's title: "Trust key 91aaa9a2…?"; for an anchor, the CA and the signer it
 * issued: "Trust certificate authority CN=root-ca (issued the signer, certificate CN=leaf issued by CN=intermediate-ca)?".
 */
export function trustTitle(c: TrustCandidate, signer: string): string {
  if (c.kind === 'anchor') return `Trust ${trustedThing(c)} (issued the signer, ${signer})?`;
  return `Trust ${trustedThing(c)}?`;
}

/** The quick pick's title when several files identify what would be trusted. */
export function pickTitle(first: TrustCandidate, signer: string): string {
  if (first.kind === 'anchor') return `Trust the certificate authority that issued ${signer}: which one?`;
  return `Trust ${signer}: which file?`;
}

/** The toast once it is done, naming what was added and where. */
export function trustedToast(c: TrustCandidate, signer: string, setting: string): string {
  const issued = c.kind === 'anchor' ? `; it issued ${signer}` : '';
  return `Trusted ${trustedThing(c)} (user settings, modelProvenance.${setting}${issued}). Models it signed are checked again now.`;
}
