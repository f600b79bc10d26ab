/** What one run of a health check found: ok or not, and a short reason a person can act on. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** One kind of check (command, http, tcp), run once within `timeoutMs`. */
export type Probe = (timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;
