import data from './atlas.json';

/** One ATLAS tactic, technique or sub-technique, as MITRE names it. */
export interface AtlasTechnique {
  /** `AML.T0018` or a sub-technique `AML.T0018.000`. */
  id: string;
  name: string;
  /** Tactic ids (`AML.TA0006`); sub-techniques inherit their parent's. */
  tactics?: string[];
  /** The technique a sub-technique refines. */
  parent?: string;
  maturity?: string;
}

/** An ATLAS mitigation and the techniques it addresses, with MITRE's text for each. */
export interface AtlasMitigation {
  id: string;
  name: string;
  description?: string;
  techniques: { id: string; use?: string }[];
}

export interface AtlasData {
  source: string;
  /** The ATLAS release the data was derived from (`5.6.0`). */
  version: string;
  licence: string;
  tactics: { id: string; name: string }[];
  techniques: AtlasTechnique[];
  mitigations: AtlasMitigation[];
}

/**
 * MITRE ATLAS tactics, techniques and mitigations (Apache-2.0, see core/data/ATLAS-NOTICE),
 * derived by scripts/derive-atlas.mjs. Offline; no lookup ever reaches the network.
 */
export const ATLAS: AtlasData = data as AtlasData;

const techniques = new Map(ATLAS.techniques.map((t) => [t.id, t]));
const mitigations = new Map(ATLAS.mitigations.map((m) => [m.id, m]));

/** The technique or sub-technique with this exact id (`AML.T0018.000`), or undefined. */
export function atlasTechnique(id: string): AtlasTechnique | undefined {
  return techniques.get(id);
}

/** The mitigation with this exact id (`AML.M0013`), or undefined. */
export function atlasMitigation(id: string): AtlasMitigation | undefined {
  return mitigations.get(id);
}

/** Mitigations that MITRE lists for a technique (exact id; a sub-technique does not inherit its parent's). */
export function mitigationsFor(techniqueId: string): AtlasMitigation[] {
  return ATLAS.mitigations.filter((m) => m.techniques.some((t) => t.id === techniqueId));
}
