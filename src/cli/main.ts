import { Ec2FailoverError, UsageError } from '../core/errors';
import type { CliIo } from '../process/io';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const USAGE = `usage: ec2-failover <command> [flags]

  demo                          a scripted failover in the in-memory simulation (what npm start runs)
  validate --config FILE        check a cluster config offline
  init --config FILE [--force]  create the tables and apply the config's specs (like kubectl apply)
  controller --config FILE      run the reconcile loop as a long-running process [--events FILE] [--holder NAME]
  status --config FILE          owner, epoch and phase per group; last heartbeat per node [--json]
  history --config FILE         transitions, repairs and operator actions [--group G] [--limit N] [--json]
  switchover --config FILE --group G --to NODE
                                ask the reconciler to move a group to a healthy member
  maintenance --config FILE --group G --on|--off
                                observe only (no repair, no failover) until turned off
  agent --config FILE           run the node agent (heartbeats, health checks, VIP hooks) on this node
  local up [--seed demo]        start the local AWS world (moto + fault proxy + DynamoDB Local)
  schema                        print the JSON Schema of the cluster config
`;

// Each command's module is loaded only when that command runs: a command never pays for the
// others' SDK clients, and the local world and the simulation load only for `local` and `demo`.
const commands: Record<string, Command> = {
  demo: async (_argv, io) => (await import('./demo-command')).runDemo(io),
  validate: async (argv, io) => (await import('./validate-command')).runValidate(argv, io),
  init: async (argv, io) => (await import('./init-command')).runInit(argv, io),
  agent: async (argv, io) => (await import('../agent/agent-command')).runAgent(argv, io),
  status: async (argv, io) => (await import('./status-command')).runStatus(argv, io),
  history: async (argv, io) => (await import('./history-command')).runHistory(argv, io),
  switchover: async (argv, io) => (await import('./request-commands')).runSwitchover(argv, io),
  maintenance: async (argv, io) => (await import('./request-commands')).runMaintenance(argv, io),
  controller: async (argv, io) => (await import('./controller-command')).runController(argv, io),
  local: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'up') throw new UsageError(`unknown local command "${sub ?? ''}"; try "ec2-failover local up"`);
    return (await import('../local/local-up-command')).runLocalUp(rest, io);
  },
  schema: async (_argv, io) => {
    const { clusterConfigJsonSchema } = (await import('../core/config'));
    io.stdout.write(`${JSON.stringify(clusterConfigJsonSchema(), null, 2)}\n`);
    return 0;
  },
};

/** Runs one CLI invocation; returns the exit code. Coded errors are printed, not thrown. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.stdout.write(USAGE);
      return name === undefined ? 2 : 0;
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}"; run "ec2-failover help" for the list`);
    return await command(rest, io);
  } catch (error) {
    if (error instanceof Ec2FailoverError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
