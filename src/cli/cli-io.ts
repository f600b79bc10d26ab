/*
 * Where a command writes and what it may know about its terminal. The process's streams carry
 * `isTTY`; tests pass buffers without it, so colour and tables appear only on a terminal.
 */

export interface CliStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

export interface CommandIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Stops long-running reads (`status --watch`, `--wait`); SIGINT/SIGTERM when left out. */
  readonly signal?: AbortSignal | undefined;
}
