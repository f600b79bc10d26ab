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

const VALUE_FLAGS = new Set(['--ec2-port', '--dynamodb-port', '--moto-port', '--region', '--seed', '--config-out', '--event-sink']);

function badFlags(message: string): Error {
  return localError(LocalErrorCode.badLocalUpFlags, `${message}\n\n${LOCAL_UP_USAGE}`);
}

function port(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 65535) throw badFlags(`${flag} needs a port number between 1 and 65535, got "${text}"`);
  return value;
}

/** Parses `local up` arguments (`--flag value` or `--flag=value`); throws EC2F-L007 on anything unknown. */
export function parseLocalUpFlags(argv: readonly string[]): LocalUpFlags {
  const values = new Map<string, string>();
  let help = false;
  let awsFidelity = true;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === '-h' || argument === '--help') {
      help = true;
      continue;
    }
    if (argument === '--no-aws-fidelity') {
      awsFidelity = false;
      continue;
    }
    const equalsAt = argument.indexOf('=');
    const flag = equalsAt > 0 ? argument.slice(0, equalsAt) : argument;
    if (!VALUE_FLAGS.has(flag)) throw badFlags(`unknown argument "${argument}"`);
    let value: string | undefined;
    if (equalsAt > 0) value = argument.slice(equalsAt + 1);
    else {
      value = argv[index + 1];
      index += 1;
    }
    if (value === undefined || value === '' || (equalsAt < 0 && value.startsWith('--'))) throw badFlags(`${flag} needs a value`);
    if (values.has(flag)) throw badFlags(`${flag} given twice`);
    values.set(flag, value);
  }
  const seed = values.get('--seed');
  if (seed !== undefined && seed !== 'demo') throw badFlags(`--seed knows only "demo", got "${seed}"`);
  const region = values.get('--region') ?? DEFAULT_LOCAL_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw badFlags(`--region "${region}" does not look like an AWS region (e.g. us-east-1)`);
  const text = (flag: string): string | undefined => values.get(flag);
  const ec2Port = text('--ec2-port');
  const dynamoDbPort = text('--dynamodb-port');
  const motoPort = text('--moto-port');
  const flags: LocalUpFlags = {
    help,
    region,
    ec2Port: ec2Port === undefined ? undefined : port('--ec2-port', ec2Port),
    dynamoDbPort: dynamoDbPort === undefined ? undefined : port('--dynamodb-port', dynamoDbPort),
    motoPort: motoPort === undefined ? undefined : port('--moto-port', motoPort),
    seed: seed === 'demo' ? 'demo' : undefined,
    configOut: text('--config-out') ?? './local-demo.yaml',
    eventSinkPath: text('--event-sink'),
    awsFidelity,
  };
  const fixedPorts = [flags.ec2Port, flags.dynamoDbPort, flags.motoPort].filter((value): value is number => value !== undefined);
  if (new Set(fixedPorts).size !== fixedPorts.length) throw badFlags('--ec2-port, --dynamodb-port and --moto-port must differ');
  if (values.has('--config-out') && flags.seed === undefined) throw badFlags('--config-out only makes sense with --seed demo');
  return flags;
}
