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
  /** Whether `repair()` can fix it (damaged blobs are moved to quarantine, stray markers removed). */
  repairable?: boolean;
}

/** One thing `repair()` did. */
export interface RegistryRepair {
  /** The problem repaired: a RegistryProblem code, or REGISTRY_UNINDEXED_BLOB / REGISTRY_TEMP_FILE for leftovers. */
  code: string;
  location: string;
  action: string;
}

/** What `remove()` did. */
export interface RemovedEntry {
  id: string;
  /** Subjects whose index entry for it was removed. */
  unindexed: string[];
  /** Whether the bundle itself was deleted (no subject indexes it any more). */
  blobRemoved: boolean;
  /** Subjects that still index it (removal by subject leaves a shared bundle for the others). */
  keptFor: string[];
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
  /**
   * Blobs `repair()` moved to `quarantine/` (local registries): altered or damaged after they were
   * stored. Not entries any more, but evidence of what happened: restore the signed originals from a
   * trusted copy (`registry copy`), and find out who changed them.
   */
  quarantined?: string[];
  /** What `repair()` did, in order (only on the result of repair()). */
  repaired?: RegistryRepair[];
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
  /** Blobs repair moved to quarantine (altered or damaged after being stored), where the backend keeps any. */
  quarantined?(): string[];
  /**
   * Repairs everything `verify()` reports that is repairable: finishes interrupted writes
   * and removals, drops stray index entries, quarantines damaged blobs, rebuilds a damaged or
   * stale reverse index.
   */
  repair(): Promise<RegistryCheck>;
  /**
   * Removes entry `id` (`sha256:<hex>` of its bundle): every index entry and the bundle; or,
   * with `subject`, only its index entry under that subject, deleting the bundle when no
   * other subject indexes it. An entry whose bundle is deleted is gone from `findByInput` and
   * `findByPredicateType` too. Safe against concurrent readers (they see the entry or not)
   * and writers (a concurrent put of the same bundle leaves it whole).
   *
   * @throws InputError `REGISTRY_ENTRY_NOT_FOUND` when there is nothing to remove
   */
  remove(id: string, options?: { subject?: string }): Promise<RemovedEntry>;
}
