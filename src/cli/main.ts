import { clusterConfigJsonSchema } from '../core/config';
import { Ec2FailoverError, UsageError } from '../core/errors';
import { runAgent } from '../agent/agent-command';
import { runLocalUp } from '../local/local-up-command';
import { runController } from './controller-command';
import { runDemo } from './demo-command';
import { runHistory } from './history-command';
import { runInit } from './init-command';
import { runMaintenance, runSwitchover } from './request-commands';
import { runStatus } from './status-command';
import type { CliIo } from './io';
import { runValidate } from './validate-command';

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

const commands: Record<string, Command> = {
  demo: (_argv, io) => runDemo(io),
  validate: runValidate,
  init: runInit,
  agent: (argv, io) => runAgent(argv, io),
  status: (argv, io) => runStatus(argv, io),
  history: runHistory,
  switchover: runSwitchover,
  maintenance: runMaintenance,
  controller: (argv, io) => runController(argv, io),
  local: (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'up') throw new UsageError(`unknown local command "${sub ?? ''}"; try "ec2-failover local up"`);
    return runLocalUp(rest, io);
  },
  schema: async (_argv, io) => {
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
