import { Ec2FailoverError } from '../../src/core/errors';
import { CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE, DEFAULT_API_CALL_TIMEOUT_SECONDS } from '../../src/core/config-rules';
import { DEFAULT_RUN_SHAPE, LambdaEnvironmentVariable, RUN_SHAPES, type RunShape } from '../../src/names';

/*
 * What a control-plane Lambda learns from its environment, read once at cold start. The CDK
 * construct sets these variables; a function deployed by hand without them fails its first
 * invocation with a message that names the variable, instead of acting on a guessed cluster.
 */

export class LambdaEnvironmentError extends Ec2FailoverError {
  constructor(message: string) {
    super('EC2F-F001', message);
    this.name = 'LambdaEnvironmentError';
  }
}

export interface LambdaEnvironment {
  readonly clusterName: string;
  readonly region: string;
  /** Floor under every EC2 call; Ec2Cloud also bounds each call with the stored tunables. */
  readonly apiCallTimeoutSeconds: number;
  /** Whether a run stops once the cluster is steady (`on-demand`) or ticks to its deadline. */
  readonly runShape: RunShape;
  /** Seconds between scheduled runs. @default 60 */
  readonly schedulePeriodSeconds: number;
}


function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new LambdaEnvironmentError(`environment variable ${name} is not set; ${hint}`);
  return value;
}

/** The region alone, for a function that learns its cluster from each request (the spec apply). */
export function readLambdaRegion(env: NodeJS.ProcessEnv = process.env): string {
  return required(env, LambdaEnvironmentVariable.region, 'Lambda sets it; outside Lambda export the region of the cluster');
}

export function readLambdaEnvironment(env: NodeJS.ProcessEnv = process.env): LambdaEnvironment {
  const clusterName = required(env, LambdaEnvironmentVariable.clusterName, 'set it to the cluster name of the config (it names the DynamoDB tables)');
  if (!CLUSTER_NAME_PATTERN.test(clusterName)) {
    throw new LambdaEnvironmentError(
      `${LambdaEnvironmentVariable.clusterName}="${clusterName}" is not a cluster name: use ${CLUSTER_NAME_RULE}`,
    );
  }
  const region = readLambdaRegion(env);
  return {
    clusterName,
    region,
    apiCallTimeoutSeconds: positiveSeconds(env, LambdaEnvironmentVariable.apiCallTimeoutSeconds, DEFAULT_API_CALL_TIMEOUT_SECONDS),
    runShape: readRunShape(env),
    schedulePeriodSeconds: positiveSeconds(env, LambdaEnvironmentVariable.schedulePeriodSeconds, 60),
  };
}

/** A positive number of seconds from `name`, or `fallback` when it is not set. */
function positiveSeconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  const seconds = text ? Number(text) : fallback;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new LambdaEnvironmentError(`${name}="${text}" is not a positive number of seconds`);
  return seconds;
}

function readRunShape(env: NodeJS.ProcessEnv): RunShape {
  const text = env[LambdaEnvironmentVariable.runShape]?.trim();
  if (!text) return DEFAULT_RUN_SHAPE;
  if (!(RUN_SHAPES as readonly string[]).includes(text)) {
    throw new LambdaEnvironmentError(`${LambdaEnvironmentVariable.runShape}="${text}" is not a run shape: use ${RUN_SHAPES.join(' or ')}`);
  }
  return text as RunShape;
}
