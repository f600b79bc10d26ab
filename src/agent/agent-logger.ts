/** What the agent's parts log through: one JSON line per call in production (src/process/json-logger.ts). */
export interface AgentLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentAgentLogger: AgentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
