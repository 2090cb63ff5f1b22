/**
 * Where signatures and attestations live, found by subject digest. The embedded
 * default is a local folder (local.ts); an OCI registry (oci/oci-registry.ts) sits behind
 * the same interface. See docs/registry.md.
 */
export interface RegistryEntry {
  /** `sha256:<hex>` of the stored bundle bytes: the entry's identity. */
  id: string;
  /** `sha256:<hex>` subject digests the statement names (unverified, for lookup only). */
  subjects: string[];
  predicateType: string;
  /** Lifecycle stage, for SLSA ML provenance entries. */
  stage?: string;
  /** Where the bytes are, for people and editors (a path for the local registry). */
  location: string;
}

export interface RegistryProblem {
  code: string;
  message: string;
  location?: string;
}

export interface RegistryCheck {
  ok: boolean;
  entries: number;
  subjects: number;
  problems: RegistryProblem[];
  /** Leftovers of interrupted writes; never visible to readers, removable. */
  strayTempFiles: string[];
  /**
   * Whole blobs whose index marker was never written (a writer stopped between the two
   * renames). Invisible to readers, so not damage; `repair()` indexes them.
   */
  unindexedBlobs: string[];
  /**
   * OCI registries without the referrers API: artifacts (`oci://host/repo@sha256:…`) missing
   * from their subject's tag-schema referrers index, left by concurrent writers. Our readers
   * still find them (per-artifact tags); `repair()` adds them so other tools see them too.
   */
  unlistedReferrers?: string[];
}

export interface Registry {
  readonly location: string;
  put(bundleText: string): Promise<RegistryEntry>;
  findBySubject(digest: string): Promise<RegistryEntry[]>;
  read(id: string): Promise<string>;
  list(): Promise<RegistryEntry[]>;
  verify(): Promise<RegistryCheck>;
  /** Finishes interrupted writes: indexes whole unindexed blobs and removes temporary files. */
  repair(): Promise<RegistryCheck>;
}
