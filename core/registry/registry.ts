/**
 * Where signatures and attestations live, found by subject digest. The embedded
 * default is a local folder; an OCI registry (referrers API) can sit behind the same
 * interface.
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
}

export interface Registry {
  readonly location: string;
  put(bundleText: string): Promise<RegistryEntry>;
  findBySubject(digest: string): Promise<RegistryEntry[]>;
  /**
   * The reverse query: entries whose statement names `digest` (`sha256:<hex>`) as an input
   * (SLSA `resolvedDependencies` of any role), each with the subjects it is about. Unverified,
   * like every lookup: it says where to look, and readers verify what they use. Answered from an
   * index, never by scanning every entry.
   */
  findByInput(digest: string): Promise<RegistryEntry[]>;
  /** Entries of one predicate type (advisories, deployment records), from the same index. */
  findByPredicateType(predicateType: string): Promise<RegistryEntry[]>;
  read(id: string): Promise<string>;
  list(): Promise<RegistryEntry[]>;
  verify(): Promise<RegistryCheck>;
  /** Finishes interrupted writes: indexes whole unindexed blobs and removes temporary files. */
  repair(): Promise<RegistryCheck>;
}
