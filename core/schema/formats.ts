import { fullFormats } from 'ajv-formats/dist/formats';

/**
 * Formats for the validators generated at build time (`scripts/gen-validators.ts`) that need
 * more than ajv-formats: generated code requires this module for them, so keep it light.
 */

/** RFC 3987 IRIs: ajv-formats has no `iri`; an IRI is a URI that may hold non-ASCII. */
export const IRI_FORMAT = { type: 'string', validate: (s: string): boolean => /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/.test(s) } as const;

/** ajv-formats' full formats plus `iri`, by name (what generated OpenVEX code looks formats up in). */
export const formats = { ...fullFormats, iri: IRI_FORMAT };
