/**
 * How a message names an option its reader can set. core/ is a library: a pipeline that calls
 * ProvenanceTracker or an exported function never sees a CLI flag, so by default a message
 * names the option as the library takes it (`the registry option`, `allowSymlinks: true`). A
 * face passes its own names where it calls the library: the CLI its flags (`--registry`,
 * `--allow-symlinks`), so that what a person is told to change is what they can change where
 * they are.
 */
export interface OptionNames {
  /** How to give a registry spec (TrackerOptions.registry, openRegistry's spec). */
  registry?: string;
  /** The passphrase of an encrypted private key (TrackerOptions.passphrase, loadPrivateKey's). */
  passphrase?: string;
  /** Follow symbolic links inside the model (ModelScope.allowSymlinks). */
  allowSymlinks?: string;
  /** Paths left out of the model (ModelScope.ignorePaths). */
  ignorePaths?: string;
  /** Accept files the signature does not list (VerifyModelOptions.ignoreUnsignedFiles). */
  ignoreUnsignedFiles?: string;
  /** Inspect the model files too (GateOptions.scan). */
  scan?: string;
  /** A trust policy (the `policy` of verify, impact, report, fixed and withdraw). */
  policy?: string;
  /** The OIDC issuer of a keyless identity (TrackerFlagParams.issuer). */
  issuer?: string;
  /** From when a flagged key or identity is revoked (TrackerFlagParams.since). */
  since?: string;
  /** Write an advisory statement the policy's advisorySigners would not verify (`force`). */
  force?: string;
  /** The report date (TrackerReportParams.date). */
  date?: string;
  /** The report inputs (TrackerReportParams.inputs). */
  inputs?: string;
  /** Report on a digest the registry knows nothing of (`allowUnattested`). */
  allowUnattested?: string;
  /** The model signature file (`signaturePath`). */
  signature?: string;
  /** Every item, as JSON (a renderer's `json` format). */
  jsonFormat?: string;
}

/** The library's names: the options as ProvenanceTracker and the exported functions take them. */
export const LIBRARY_OPTION_NAMES: Readonly<Required<OptionNames>> = {
  registry: 'the registry option',
  passphrase: 'the passphrase option',
  allowSymlinks: 'allowSymlinks: true',
  ignorePaths: 'ignorePaths',
  ignoreUnsignedFiles: 'ignoreUnsignedFiles: true',
  scan: 'scan: true',
  policy: 'the policy option',
  issuer: 'the issuer option',
  since: 'since',
  force: 'force: true',
  date: 'date',
  inputs: 'the inputs option',
  allowUnattested: 'allowUnattested: true',
  signature: 'signaturePath',
  jsonFormat: 'the json format',
};

/** The name a message gives `option`: the caller's, else the library's. */
export function optionName(names: OptionNames | undefined, option: keyof OptionNames): string {
  return names?.[option] ?? LIBRARY_OPTION_NAMES[option];
}
