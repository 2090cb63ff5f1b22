/**
 * The bounds of the OCI transport's settings, in a module of their own: the CLI checks its
 * registry options on every command's start-up, and that must not load the transport (with
 * node:http, node:https and node:tls) for a command that never reaches a registry.
 */

/** The settings a message may point a person to. */
export type TransportOption = 'timeoutSeconds' | 'caFile' | 'insecure' | 'attempts';

/** The largest number of attempts accepted (`attempts`, MODEL_PROVENANCE_REGISTRY_ATTEMPTS). */
export const MAX_ATTEMPTS = 10;
/** The largest timeout accepted (seconds). */
export const MAX_TIMEOUT_SECONDS = 3600;

/**
 * Checks a timeout in seconds: more than 0, at most MAX_TIMEOUT_SECONDS. Returns the problem
 * in words, or undefined when it is fine.
 */
export function timeoutProblem(seconds: number): string | undefined {
  return Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS ? undefined : `must be more than 0 and at most ${MAX_TIMEOUT_SECONDS} seconds`;
}

/** Checks a number of attempts: a whole number from 1 to MAX_ATTEMPTS. */
export function attemptsProblem(attempts: number): string | undefined {
  return Number.isInteger(attempts) && attempts >= 1 && attempts <= MAX_ATTEMPTS ? undefined : `must be a whole number from 1 to ${MAX_ATTEMPTS}`;
}
