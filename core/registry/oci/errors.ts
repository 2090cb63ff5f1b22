import { InputError } from '../../errors';

/**
 * A registry problem that stops the command (exit 2): the registry is named first, as
 * `oci://HOST/REPOSITORY: …`, so one line says where and what. Never carries credentials.
 *
 * Codes: REGISTRY_UNAVAILABLE (refused, reset, DNS), REGISTRY_TIMEOUT, REGISTRY_TLS,
 * REGISTRY_UNAUTHORIZED (401), REGISTRY_DENIED (403), REGISTRY_DIGEST_MISMATCH (content that
 * does not hash to what was asked for), REGISTRY_PROTOCOL (an answer the OCI Distribution
 * spec does not allow), REGISTRY_TOO_LARGE, REGISTRY_INSECURE_REFUSED (plain HTTP to a
 * non-loopback host without the `insecure` option), REGISTRY_PLAIN_HTTP (HTTPS asked of a
 * registry that speaks plain HTTP), REGISTRY_CREDENTIALS (unreadable docker config, failing
 * credential helper).
 */
export class RegistryError extends InputError {
  readonly registry: string;
  /** Whether a retry of an idempotent request may succeed (connection faults, 5xx, 429). */
  readonly transient: boolean;
  /**
   * The transport setting that decides this error, when one does (`timeoutSeconds`, `caFile`,
   * `insecure`, `attempts`): what a caller changes. The message names it as the caller's
   * optionName says (the CLI: its flag).
   */
  readonly option: string | undefined;

  constructor(registry: string, code: string, message: string, options: { cause?: unknown; transient?: boolean; option?: string } = {}) {
    super(code, message, { file: registry, cause: options.cause });
    this.registry = registry;
    this.transient = options.transient ?? false;
    this.option = options.option;
  }
}
