/**
 * The frame every SARIF 2.1.0 log of this tool shares (OASIS SARIF 2.1.0, §3.13 sarifLog,
 * §3.14 run, §3.19 toolComponent): the schema and version, and one run whose driver is
 * `model-provenance` at this build's version. Each producer (the gate, manifest findings,
 * incident impact, a CLI failure) adds its own rules, results and run properties.
 */

declare const PACKAGE_VERSION: string;

/** This build's version, as SARIF's `tool.driver.version` gives it. */
export const TOOL_VERSION = typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev';

export interface SarifRunParts {
  /** `tool.driver.rules`, in `ruleIndex` order. */
  rules?: readonly Record<string, unknown>[];
  /** `tool.driver.version`; undefined leaves it out (a run whose output must not depend on the build). */
  version?: string | undefined;
  /** `tool.driver.informationUri` (default: the project's home). */
  informationUri?: string;
  results: readonly Record<string, unknown>[];
  /** Any other properties of the run (`automationDetails`, `invocations`, `originalUriBaseIds`, …). */
  run?: Record<string, unknown>;
}

/** A SARIF 2.1.0 log object with one run. */
export function sarifLog(parts: SarifRunParts): Record<string, unknown> {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'model-provenance',
            ...(parts.version !== undefined ? { version: parts.version } : {}),
            informationUri: parts.informationUri ?? 'https://model-provenance.dev',
            ...(parts.rules ? { rules: parts.rules } : {}),
          },
        },
        ...parts.run,
        results: parts.results,
      },
    ],
  };
}

/** The log as a file's text: two-space JSON and a final newline. */
export function sarifText(parts: SarifRunParts): string {
  return `${JSON.stringify(sarifLog(parts), null, 2)}\n`;
}
