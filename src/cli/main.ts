import { Command, CommanderError, Option } from 'commander';
import { version } from '../../package.json';
import { Ec2FailoverError } from '../core/errors';
import type { CommandIo } from './cli-io';
import { ExitCode, exitCodeFor } from './exit-codes';
import { applyAwsOptions, once, positiveSeconds, wholeNumber, withAws, withConfig, type AwsOptions } from './options';

/*
 * The operator CLI: one commander program, strict about its arguments (unknown flags, stray
 * arguments and a single-value flag given twice are EC2F-U001, exit 2, nothing changed).
 * This module loads nothing but commander: each command's module, and the SDK clients it
 * needs, are imported only when that command runs, so `--help` starts in a tenth of a second.
 */

export const CLI_NAME = 'ec2-failover';

type Action = (options: Record<string, unknown>, io: CommandIo) => Promise<number>;

/** Commands whose flags their own module parses (they run standalone too: the agent bundle, `local up`). */
const DELEGATED: Readonly<Record<string, (argv: readonly string[], io: CommandIo) => Promise<number>>> = {
  agent: async (argv, io) => (await import('../agent/agent-command')).runAgent(argv, io, io.signal),
  'local up': async (argv, io) => (await import('../local/local-up-command')).runLocalUp([...argv], io, { stopSignal: io.signal }),
};

function delegated(argv: readonly string[]): { run: (typeof DELEGATED)[string]; rest: readonly string[] } | undefined {
  const [first, second, ...rest] = argv;
  const help = first === 'help';
  const words = help ? [second, ...rest] : [first, second, ...rest];
  if (words[0] === 'agent') return { run: DELEGATED.agent!, rest: help ? ['--help'] : words.slice(1) as string[] };
  if (words[0] === 'local' && words[1] === 'up') return { run: DELEGATED['local up']!, rest: help ? ['--help'] : words.slice(2) as string[] };
  return undefined;
}

/** What commander calls: positional arguments, then the options, then the command. */
type Handler = (...args: any[]) => Promise<void>;

/** Builds the program; `run` wraps each command's action. Exported for `completion`. */
export function buildProgram(run: (action: Action) => Handler): Command {
  const program = new Command(CLI_NAME)
    .description('High-availability control plane for Amazon EC2: status, requests and lifecycle of a cluster.')
    .version(version, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    .showSuggestionAfterError(true);

  program
    .command('demo')
    .description('a scripted failover in the in-memory simulation (what npm start runs)')
    .action(run(async (_options, io) => (await import('./demo-command')).runDemo(io)));

  withAws(
    withConfig(program.command('validate').description('check a cluster config offline; with --live also against the account (a preflight)'))
      .option('--live', 'check the VPC, ENIs, routes, Elastic IPs, instances, permissions (DryRun), tables and heartbeats')
      .option('--json', 'print the result as JSON'),
  ).action(run(async (options, io) => (await import('./validate-command')).runValidate(options as never, io)));

  program
    .command('schema')
    .description('print the JSON Schema of the cluster config')
    .action(run(async (_options, io) => (await import('./validate-command')).runSchema(io)));

  withAws(
    withConfig(program.command('apply').alias('init').description('create the tables and apply the config\'s specs, printing what changed (like kubectl apply)'))
      .option('--force', 'overwrite edits other writers made to the stored spec since the last apply')
      .option('--prune', 'delete stored resources the config no longer lists (kept and reported otherwise)')
      .option('--writer <name>', 'who applies, recorded on every written item and in the history (default apply:<caller ARN, else user@host>)', once())
      .option('--json', 'print the result as JSON'),
  ).action(run(async (options, io) => (await import('./init-command')).runInit(options as never, io)));

  withAws(
    withConfig(program.command('plan').description('show what apply would change, as a diff; changes nothing'))
      .option('--force', 'plan as apply --force would apply')
      .option('--prune', 'plan as apply --prune would apply')
      .option('--json', 'print the plan as JSON'),
  ).action(run(async (options, io) => (await import('./init-command')).runPlan(options as never, io)));

  withAws(
    program
      .command('export')
      .description('write the live specs back as a cluster config file')
      .option('-c, --config <file>', 'a cluster config naming the cluster and region', once())
      .option('--cluster <name>', 'the cluster, instead of --config', once())
      .option('-o, --output <file>', 'write to this file instead of stdout', once())
      .option('--json', 'write JSON instead of YAML'),
  ).action(run(async (options, io) => (await import('./export-command')).runExport(options as never, io)));

  withAws(
    withConfig(program.command('controller').description('run the reconcile loop as a long-running process'))
      .option('--events <file>', 'a JSON Lines file of EventBridge events to follow (the local event sink)', once())
      .option('--events-out <file>', 'write ownership-change events as JSON lines to this file instead of the default EventBridge bus', once())
      .option('--holder <name>', 'lease holder name (default <host>:<pid>)', once())
      .addOption(new Option('--run-shape <shape>', 'resident: tick without a break; on-demand: run every --schedule seconds and when woken, each run stopping once the cluster is steady (as the deployed reconciler)').choices(['resident', 'on-demand']))
      .option('--schedule <seconds>', 'on demand: seconds between scheduled runs (default 60)', once(positiveSeconds(3600)))
      .option('--wake-listen <port>', "on demand: serve Lambda's Invoke API on 127.0.0.1:<port> (0: any free port) so agents and commands can wake it", once(wholeNumber(0, 65535))),
  ).action(run(async (options, io) => (await import('./controller-command')).runController(options as never, io, io.signal)));

  withAws(
    withConfig(program.command('status').description('per group owner, epoch, phase and whether it serves; per node the reconciler\'s verdict; per resource what EC2 says now'))
      .option('--json', 'print one JSON document (with --watch: one line per refresh)')
      .option('--watch', 'refresh in place and print transitions as they happen, until Ctrl-C')
      .option('--interval <seconds>', 'refresh interval of --watch (default 2)', once(positiveSeconds(3600)))
      .option('--no-ec2', 'skip reading EC2 (routes, Elastic IPs, instance states)'),
  ).action(run(async (options, io) => (await import('./status-command')).runStatus(options as never, io)));

  withAws(
    withConfig(program.command('history').description('transitions, repairs and operator requests, newest first, with who, why and how long'))
      .option('--group <group>', 'one group only', once())
      .option('--limit <n>', 'newest N entries (default 50)', once(wholeNumber(1, 1000)))
      .option('--json', 'print JSON'),
  ).action(run(async (options, io) => (await import('./history-command')).runHistory(options as never, io)));

  withAws(
    withConfig(program.command('switchover').description('ask the reconciler to move a group to a healthy member'))
      .requiredOption('--group <group>', 'the group to move', once())
      .requiredOption('--to <node>', 'the member to move it to', once())
      .option('--wait', 'follow the request until every route and Elastic IP of the group is on the new node')
      .option('--timeout <seconds>', 'give up --wait after this long (default 120)', once(positiveSeconds(86_400)))
      .option('--clear-exclusion', 'vouch for a member excluded after repeated repair failures'),
  ).action(run(async (options, io) => (await import('./request-commands')).runSwitchover(options as never, io)));

  withAws(
    withConfig(program.command('maintenance').description('observe only (no repair, no failover) until turned off'))
      .requiredOption('--group <group>', 'the group', once())
      .addOption(new Option('--on', 'enter maintenance').conflicts('off'))
      .addOption(new Option('--off', 'leave maintenance').conflicts('on'))
      .option('--wait', 'follow the request (with --off: until every route and Elastic IP is repaired)')
      .option('--timeout <seconds>', 'give up --wait after this long (default 120)', once(positiveSeconds(86_400))),
  ).action(run(async (options, io) => (await import('./request-commands')).runMaintenance(options as never, io)));

  const resource = program.command('resource').description('show or change one protected resource of the live spec (recorded in the history)');
  const resourceCommand = (name: string, description: string) => withAws(withConfig(resource.command(name).description(description)));
  const resources = async () => import('./resource-commands');
  resourceCommand('show', 'the stored spec of a resource, its owner and who last wrote it')
    .argument('<resource>', 'resource id')
    .option('--json', 'print JSON')
    .action(run(async (options, io) => (await resources()).runResourceShow(options as never, io)));
  resourceCommand('create', 'add a resource, from a file fragment or from flags')
    .argument('[resource]', 'resource id (with flags)')
    .option('--file <fragment>', 'one resource in YAML or JSON, as under resources: in the config', once())
    .addOption(new Option('--mode <mode>', 'route or eip').choices(['route', 'eip']))
    .option('--group <group>', 'group (default: the resource id)', once())
    .option('--vpc-id <id>', 'route mode: the VPC', once())
    .option('--vpc-cidr <cidr>', 'route mode: the VPC CIDR the destination must lie outside', once())
    .option('--destination <cidr>', 'route mode: the virtual IP, a.b.c.d/32', once())
    .option('--route-tables <ids>', 'route mode: all (default) or rtb-… ids, comma-separated', once())
    .option('--allocation-id <id>', 'EIP mode: the allocation id', once())
    .option('--member <node=eni:priority>', 'a member, NODE=ENI:PRIORITY[:PRIVATE_IP]; repeat for each', (value: string, previous: string[] = []) => [...previous, value])
    .action(run(async (options, io) => (await resources()).runResourceCreate(options as never, io)));
  resourceCommand('extend', 'add a member node to a resource')
    .argument('<resource>', 'resource id')
    .requiredOption('--node <node>', 'a node declared under nodes', once())
    .requiredOption('--eni <eni>', "the node's ENI", once())
    .requiredOption('--priority <n>', '1-999, lower wins', once(wholeNumber(1, 999)))
    .option('--private-ip <ip>', 'EIP mode: the private address of the ENI', once())
    .action(run(async (options, io) => (await resources()).runResourceExtend(options as never, io)));
  resourceCommand('unextend', 'remove a member node from a resource (refused for the owner)')
    .argument('<resource>', 'resource id')
    .requiredOption('--node <node>', 'the member to remove', once())
    .action(run(async (options, io) => (await resources()).runResourceUnextend(options as never, io)));
  resourceCommand('set', 'change settings: switchback, fencing, vpcId, vpcCidr, destination, routeTables, allocationId; priority.NODE, eni.NODE, privateIp.NODE')
    .argument('<resource>', 'resource id')
    .argument('<settings...>', 'key=value pairs (an empty value removes an optional key)')
    .option('--whole-group', "apply the settings to every resource of the resource's group")
    .option('--dry-run', 'validate and show the diff, write nothing')
    .option('--json', 'print JSON')
    .action(run(async (options, io) => (await resources()).runResourceSet(options as never, io)));
  resourceCommand('delete', 'stop protecting a resource (its routes and Elastic IP are left where they are)')
    .argument('<resource>', 'resource id')
    .action(run(async (options, io) => (await resources()).runResourceDelete(options as never, io)));

  program.command('agent').description('run the node agent on this node (see: ec2-failover agent --help)');
  program
    .command('local')
    .description('the local AWS world')
    .command('up')
    .description('start moto, the EC2 fault proxy and DynamoDB Local (see: ec2-failover local up --help)');

  withConfig(program.command('cost').description('the monthly list-price estimate of the control plane, read from its synthesized template'))
    .option('--template <file>', 'a template written by cdk synth, instead of synthesizing the stack here', once())
    .addOption(new Option('--dashboard', 'synthesize with the dashboard (cdk deploy -c dashboard=true)').conflicts('template'))
    .addOption(new Option('--table-capacity <mode>', 'synthesize with the tables on demand or provisioned (cdk deploy -c tableCapacity=…)').choices(['on-demand', 'provisioned']).conflicts('template'))
    .option('--json', 'print the estimate as JSON')
    .action(run(async (options, io) => (await import('./cost-command')).runCost(options as never, io)));

  program
    .command('completion')
    .description('print a shell completion script: eval "$(ec2-failover completion bash)"')
    .argument('<shell>', 'bash or zsh')
    .action(run(async (options, io) => (await import('./completion')).runCompletion(String((options.args as string[])[0]), io)));

  return program;
}

/** `option '--limit <n>' argument '-5' is invalid. must be …` → `--limit "-5": must be …`. */
function usageMessage(text: string): string {
  const message = text.replace(/^error: /, '');
  const invalid = /^option '(?:-\w, )?(--[\w-]+)[^']*' argument '([^']*)' is invalid\. ([\s\S]*)$/.exec(message);
  return invalid ? `${invalid[1]} "${invalid[2]}": ${invalid[3]}` : message;
}

function configure(program: Command, io: CommandIo): void {
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
    // Commander's own messages, coded like every other bad input.
    outputError: (text: string, write: (text: string) => void) => write(`EC2F-U001 ${usageMessage(text)}`),
  };
  const apply = (command: Command) => {
    command.exitOverride().configureOutput(output).showHelpAfterError(`(see: ${command.name() === CLI_NAME ? CLI_NAME : `${CLI_NAME} ${command.name()}`} --help)`);
    command.commands.forEach(apply);
  };
  apply(program);
}

/** Runs one CLI invocation; returns the exit code. Coded errors are printed, not thrown. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const handoff = delegated(argv);
  if (handoff) return handoff.run(handoff.rest, io);

  let code: number = ExitCode.ok;
  const program = buildProgram((action) => async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = { ...command.opts(), args: args.slice(0, -2).flat() };
    const restore = await applyAwsOptions(options as AwsOptions);
    try {
      code = await action(options, io);
    } finally {
      restore();
    }
  });
  configure(program, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      // `ec2-failover` alone (or `local` alone) printed its help to stderr: a usage error.
      return ExitCode.usage;
    }
    if (error instanceof Ec2FailoverError) {
      io.stderr.write(`${error.message}\n`);
      return exitCodeFor(error);
    }
    io.stderr.write(`${CLI_NAME}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.failed;
  }
}
