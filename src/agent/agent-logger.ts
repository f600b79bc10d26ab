import { silentLogger, type Logger } from '../core/logger';

/** What the agent's parts log through: the one logging contract (src/core/logger.ts); JSON lines in production. */
export type AgentLogger = Logger;

export const silentAgentLogger: AgentLogger = silentLogger;
