import { Command, CommanderError } from 'commander';
import { LocalErrorCode, localError } from './local-errors';
import { DEFAULT_LOCAL_REGION } from './local-credentials';

export interface LocalUpFlags {
  readonly help: boolean;
  readonly region: string;
  readonly ec2Port?: number;
  readonly dynamoDbPort?: number;
  readonly motoPort?: number;
  readonly seed?: 'demo';
  readonly configOut: string;
  readonly eventSinkPath?: string;
  readonly awsFidelity: boolean;
}

export const LOCAL_UP_USAGE = `Usage: ec2-failover local up [options]

Runs a local AWS world in the foreground: moto (EC2), a fault-injection proxy in front of it,
and DynamoDB Local. Ctrl-C stops everything.

Options:
  --ec2-port PORT        port of the EC2 endpoint (the fault proxy); free port by default
  --dynamodb-port PORT   port of DynamoDB Local; free port by default
  --moto-port PORT       port of moto behind the proxy; free port by default
  --region REGION        region for clients and events (default ${DEFAULT_LOCAL_REGION})
  --seed demo            create the demo VPC, nodes, routes and Elastic IP, and write its config
  --config-out PATH      where --seed demo writes the cluster config (default ./local-demo.yaml)
  --event-sink PATH      JSON Lines file for EC2 state-change events (default: a temp file)
  --no-aws-fidelity      pass moto's answers through without the proxy's EC2-fidelity corrections
  -h, --help             show this help
`;

function badFlags(message: string): Error {
  return localError(LocalErrorCode.badLocalUpFlags, `${message}\n\n${LOCAL_UP_USAGE}`);
}

function port(flag: string) {
  return (text: string, previous: number | undefined): number => {
    if (previous !== undefined) throw badFlags(`${flag} given twice`);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > 65535) throw badFlags(`${flag} needs a port number between 1 and 65535, got "${text}"`);
    return value;
  };
}

function text(flag: string) {
  return (value: string, previous: string | undefined): string => {
    if (previous !== undefined) throw badFlags(`${flag} given twice`);
    if (value === '' || value.startsWith('--')) throw badFlags(`${flag} needs a value`);
    return value;
  };
}

interface ParsedOptions {
  readonly ec2Port?: number;
  readonly dynamodbPort?: number;
  readonly motoPort?: number;
  readonly region?: string;
  readonly seed?: string;
  readonly configOut?: string;
  readonly eventSink?: string;
  readonly awsFidelity: boolean;
}

/** `local up`'s flags (commander); parse errors become EC2F-L007 in parseLocalUpFlags. */
export function localUpProgram(): Command {
  const program = new Command('up')
    .option('--ec2-port <port>', 'port of the EC2 endpoint (the fault proxy)', port('--ec2-port'))
    .option('--dynamodb-port <port>', 'port of DynamoDB Local', port('--dynamodb-port'))
    .option('--moto-port <port>', 'port of moto behind the proxy', port('--moto-port'))
    .option('--region <region>', 'region for clients and events', text('--region'))
    .option('--seed <name>', 'create the demo VPC, nodes, routes and Elastic IP, and write its config', text('--seed'))
    .option('--config-out <path>', 'where --seed demo writes the cluster config', text('--config-out'))
    .option('--event-sink <path>', 'JSON Lines file for EC2 state-change events', text('--event-sink'))
    .option('--no-aws-fidelity', "pass moto's answers through without the proxy's EC2-fidelity corrections")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  program.helpInformation = () => LOCAL_UP_USAGE;
  return program;
}

/** Commander's complaint, in the words this command has always used. */
function commanderProblem(error: CommanderError, argv: readonly string[]): string {
  if (error.code === 'commander.unknownOption' || error.code === 'commander.excessArguments') {
    const known = new Set(localUpProgram().options.flatMap((o) => [o.long, o.short]));
    const offending = argv.find((a) => !known.has(a.split('=')[0]) && (a.startsWith('-') || error.code === 'commander.excessArguments'));
    return `unknown argument "${offending ?? error.message}"`;
  }
  if (error.code === 'commander.optionMissingArgument') {
    const flag = /'(--[a-z0-9-]+)/.exec(error.message)?.[1] ?? 'a flag';
    return `${flag} needs a value`;
  }
  return error.message.replace(/^error: /, '');
}

/** Parses `local up` arguments (`--flag value` or `--flag=value`); throws EC2F-L007 on anything unknown. */
export function parseLocalUpFlags(argv: readonly string[]): LocalUpFlags {
  const program = localUpProgram();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') return { help: true, region: DEFAULT_LOCAL_REGION, configOut: './local-demo.yaml', awsFidelity: true };
    if (error instanceof CommanderError) throw badFlags(commanderProblem(error, argv));
    throw error;
  }
  const options = program.opts<ParsedOptions>();
  if (options.seed !== undefined && options.seed !== 'demo') throw badFlags(`--seed knows only "demo", got "${options.seed}"`);
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw badFlags(`--region "${region}" does not look like an AWS region (e.g. us-east-1)`);
  const flags: LocalUpFlags = {
    help: false,
    region,
    ec2Port: options.ec2Port,
    dynamoDbPort: options.dynamodbPort,
    motoPort: options.motoPort,
    seed: options.seed === 'demo' ? 'demo' : undefined,
    configOut: options.configOut ?? './local-demo.yaml',
    eventSinkPath: options.eventSink,
    awsFidelity: options.awsFidelity,
  };
  const fixedPorts = [flags.ec2Port, flags.dynamoDbPort, flags.motoPort].filter((value): value is number => value !== undefined);
  if (new Set(fixedPorts).size !== fixedPorts.length) throw badFlags('--ec2-port, --dynamodb-port and --moto-port must differ');
  if (options.configOut !== undefined && flags.seed === undefined) throw badFlags('--config-out only makes sense with --seed demo');
  return flags;
}
