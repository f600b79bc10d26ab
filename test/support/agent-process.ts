import { join } from 'node:path';
import { LoggedProcess, REPO_ROOT, killAllLoggedProcesses } from './logged-process';

/** A real agent process for a test: from source through tsx, or the bundle with plain node. */

export { REPO_ROOT };
export type { ProcessExit as AgentExit } from './logged-process';

const AGENT_MAIN = join(REPO_ROOT, 'src', 'agent', 'main.ts');

export class AgentProcess extends LoggedProcess {
  /** The agent from source, through tsx. */
  static start(label: string, args: readonly string[], env: Record<string, string>): AgentProcess {
    return AgentProcess.spawnNode(label, ['--require', 'tsx/cjs', AGENT_MAIN, ...args], env);
  }

  /** A bundled agent file, with plain node. */
  static startBundle(label: string, bundle: string, args: readonly string[], env: Record<string, string>): AgentProcess {
    return AgentProcess.spawnNode(label, [bundle, ...args], env);
  }
}

export const killAllAgents = killAllLoggedProcesses;
