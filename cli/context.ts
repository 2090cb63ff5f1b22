/** What every command gets from the entry point: the cancellation signal (Ctrl-C) and the exit code it should end with. */
export interface CliContext {
  signal: AbortSignal;
  exitCode: number;
}
