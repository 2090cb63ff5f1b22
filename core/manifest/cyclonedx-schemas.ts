import type { CompiledValidator } from '../schema/compiled';

export const CYCLONEDX_VERSIONS = ['1.6', '1.7'] as const;
export type CycloneDxVersion = (typeof CYCLONEDX_VERSIONS)[number];

export type Strategy = 'fast' | 'plain';

/**
 * The ajv compiler with the CycloneDX schemas (`core/schema/ajv-setup.ts`), required on first
 * use: a file of its own in the bundles (dist/schema/ajv-setup.js), which no command's start-up
 * parses or runs.
 */
function compiler(): typeof import('../schema/ajv-setup') {
  return require('../schema/ajv-setup') as typeof import('../schema/ajv-setup');
}

/** The CycloneDX JSON schema of a version, as `@cyclonedx/cyclonedx-library` ships it. */
export function cycloneDxSchema(version: CycloneDxVersion): Record<string, unknown> {
  return compiler().CYCLONEDX_BOMS[version] as Record<string, unknown>;
}

const plainCache = new Map<CycloneDxVersion, CompiledValidator>();

/**
 * The CycloneDX JSON schema validator of a version (draft-07, the lenient formats and keyword
 * setup of `core/schema/ajv-setup.ts`). 'fast' is the one we use: compiled at build time (ajv
 * standalone code, `scripts/gen-validators.ts`) with a linear-time `uniqueItems` whose findings
 * are stock ajv's; the CLI, the language server and library users share it, and nothing is
 * compiled at start-up. 'plain' is stock ajv compiled on first use (hundreds of ms), kept for
 * the benchmark and for the test that the two report identical findings.
 */
export function cycloneDxValidator(version: CycloneDxVersion, strategy: Strategy = 'fast'): CompiledValidator {
  if (strategy === 'fast') {
    // Required on first use, not imported: ~1 MB of generated code per version, evaluated only
    // by a process that validates a BOM of that version.
    if (version === '1.6') return (require('../schema/generated/cyclonedx-1.6') as typeof import('../schema/generated/cyclonedx-1.6')).validate;
    if (version === '1.7') return (require('../schema/generated/cyclonedx-1.7') as typeof import('../schema/generated/cyclonedx-1.7')).validate;
    throw new Error(`no compiled CycloneDX validator for ${String(version)}`);
  }
  let fn = plainCache.get(version);
  if (!fn) {
    const { newCycloneDxAjv, CYCLONEDX_BOMS } = compiler();
    fn = newCycloneDxAjv('plain', false).compile(CYCLONEDX_BOMS[version]) as CompiledValidator;
    plainCache.set(version, fn);
  }
  return fn;
}
