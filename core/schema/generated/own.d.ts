// Types of own.js, which scripts/gen-validators.ts writes at build time (not committed).
import type { CompiledValidator } from '../compiled';
import type { SchemaName } from '../schemas';

declare const validators: Record<SchemaName, CompiledValidator>;
export = validators;
