import { placeIgnorePaths, type ModelScope } from '../../core';

/**
 * The model scope the editor hashes a model folder with, for every command that computes its
 * root digest (Attest Model…, Generate Manifest, Show Lineage, Generate Report, the registry
 * picker's own-digest exclusion): `modelProvenance.ignorePaths` as in force (user settings, and
 * the workspace's only in a trusted workspace), placed in this model exactly as its trust state
 * places them (`placeIgnorePaths`, the CLI's `resolveIgnorePathsFromCwd` with the model folder as
 * the working directory; paths outside the model or naming it dropped; nothing for a single
 * file). So a model the editor verifies with the setting is attested, described and looked up
 * under the same root digest as its signature. What a signature itself records is honoured where
 * it always was (the verification); it is not added here.
 */
export function editorModelScope(ignorePaths: readonly string[], modelPath: string): ModelScope {
  const placed = placeIgnorePaths(modelPath, ignorePaths);
  return placed?.paths.length ? { ignorePaths: placed.paths } : {};
}
