import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../core/errors';

/*
 * Option parsers shared by the commands. Every single-value flag refuses to be given twice:
 * silently taking the last `--to` of two is how a switchover goes to the wrong node.
 */

type Parse<T> = (value: string) => T;

/** A single-value option's parser: refuses a second occurrence, then validates the value. */
export function once<T = string>(parse: Parse<T> = (value) => value as unknown as T): (value: string, previous: T | undefined) => T {
  return (value, previous) => {
    if (previous !== undefined) throw new InvalidArgumentError('given more than once; give it once');
    return parse(value);
  };
}

export function wholeNumber(min: number, max: number): Parse<number> {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}, not "${value}"`);
    }
    return n;
  };
}

export function positiveSeconds(max: number): Parse<number> {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`must be a number of seconds above 0 and at most ${max}, not "${value}"`);
    return n;
  };
}

export function profileName(value: string): string {
  if (!/^[A-Za-z0-9_.@+-]{1,128}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a profile name`);
  return value;
}

export interface AwsOptions {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
}

/** `--region` and `--profile` for every command that talks to AWS. */
export function withAws(command: Command): Command {
  return command
    .option('--region <region>', 'AWS region of the cluster (default: $AWS_REGION, else the config\'s)', once())
    .option('--profile <name>', 'named profile of the shared AWS config and credentials files (default: $AWS_PROFILE)', once(profileName));
}

/** `--config FILE`, required. */
export function withConfig(command: Command, what = 'cluster config (YAML or JSON)'): Command {
  return command.requiredOption('-c, --config <file>', what, once());
}

/**
 * Applies `--region`/`--profile` the way the SDK itself reads them (AWS_REGION, AWS_PROFILE), so
 * every client (DynamoDB, EC2, STS) and its credential chain follows; returns a function that
 * puts the environment back (commands also run in-process, in tests).
 */
export async function applyAwsOptions(options: AwsOptions): Promise<() => void> {
  if (options.region !== undefined) {
    // The config module (zod) loads only for commands that need it, not for --help.
    const { AWS_REGION_PATTERN } = await import('../core/config');
    if (!AWS_REGION_PATTERN.test(options.region)) throw new UsageError(`--region "${options.region}" is not an AWS region such as us-east-1`);
  }
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_PROFILE: process.env.AWS_PROFILE };
  if (options.region !== undefined) process.env.AWS_REGION = options.region;
  if (options.profile !== undefined) process.env.AWS_PROFILE = options.profile;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
