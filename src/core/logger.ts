/*
 * The one logging contract of the engine, the agent and every process: three levels, a message
 * and structured fields. Production writes JSON lines (src/process/json-logger.ts) or goes through
 * the Powertools logger (lambdas/runtime/logger.ts); tests record or stay silent.
 */

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The message of anything thrown, for a log field. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
