// Types of cyclonedx-1.7-lean.js, which scripts/gen-validators.ts writes at build time (not committed).
import type { CompiledValidator } from '../compiled';

export declare const validate: CompiledValidator;
