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
    if (!CYCLONEDX_VERSIONS.includes(version)) throw new Error(`no compiled CycloneDX validator for ${String(version)}`);
    return (fastCache[version] ??= twoPass(version));
  }
  let fn = plainCache.get(version);
  if (!fn) {
    const { newCycloneDxAjv, CYCLONEDX_BOMS } = compiler();
    fn = newCycloneDxAjv('plain', false).compile(CYCLONEDX_BOMS[version]) as CompiledValidator;
    plainCache.set(version, fn);
  }
  return fn;
}

const fastCache: Partial<Record<CycloneDxVersion, CompiledValidator>> = {};

/**
 * The generated validators, required on first use, not imported: ~0.8 MB of code per version
 * (the lean one), evaluated only by a process that validates a BOM of that version. The
 * require strings are literal so that the bundler can see and externalise them.
 */
const LEAN: Record<CycloneDxVersion, () => CompiledValidator> = {
  '1.6': () => (require('../schema/generated/cyclonedx-1.6-lean') as typeof import('../schema/generated/cyclonedx-1.6-lean')).validate,
  '1.7': () => (require('../schema/generated/cyclonedx-1.7-lean') as typeof import('../schema/generated/cyclonedx-1.7-lean')).validate,
};
const VERBOSE: Record<CycloneDxVersion, () => CompiledValidator> = {
  '1.6': () => (require('../schema/generated/cyclonedx-1.6') as typeof import('../schema/generated/cyclonedx-1.6')).validate,
  '1.7': () => (require('../schema/generated/cyclonedx-1.7') as typeof import('../schema/generated/cyclonedx-1.7')).validate,
};

/**
 * The lean validator first; when it reports an unknown property, the verbose one again, so that
 * every error carries `parentSchema` (for "did you mean") exactly as one verbose validator would
 * report it. A valid BOM, the common case at start-up, never loads the verbose code.
 */
function twoPass(version: CycloneDxVersion): CompiledValidator {
  const fn = ((data: unknown): boolean => {
    const lean = LEAN[version]();
    if (lean(data)) {
      fn.errors = null;
      return true;
    }
    if (!(lean.errors ?? []).some((e) => e.keyword === 'additionalProperties')) {
      fn.errors = lean.errors;
      return false;
    }
    const verbose = VERBOSE[version]();
    const valid = verbose(data);
    fn.errors = verbose.errors;
    return valid;
  }) as CompiledValidator;
  return fn;
}
