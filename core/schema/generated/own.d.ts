// Types of own.js, which scripts/gen-validators.ts writes at build time (not committed).
import type { CompiledValidator } from '../compiled';

declare const validators: Record<'ml-provenance' | 'provenance-policy' | 'mlbom-profile' | 'report-inputs' | 'compliance-report', CompiledValidator>;
export = validators;
