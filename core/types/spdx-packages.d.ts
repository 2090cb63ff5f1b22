// The few declarations the SPDX licence packages need (they ship none).

declare module 'spdx-expression-parse' {
  type LicenseInfo = { license: string; plus?: true; exception?: string };
  type ConjunctionInfo = { conjunction: 'and' | 'or'; left: LicenseInfo | ConjunctionInfo; right: LicenseInfo | ConjunctionInfo };
  /** Parses an SPDX license expression; throws on anything else. */
  function parse(expression: string): LicenseInfo | ConjunctionInfo;
  export = parse;
}

declare module 'spdx-license-ids' {
  const ids: string[];
  export = ids;
}

declare module 'spdx-exceptions' {
  const ids: string[];
  export = ids;
}
