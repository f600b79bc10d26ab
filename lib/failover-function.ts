import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeRuntime } from './nag-acknowledgements';

/*
 * A control-plane function built the one way they all are: bundled here by the local esbuild
 * (no Docker), minified for Node.js 22 on arm64, with the AWS SDK left to the runtime; its own
 * role (no managed policies: it may write its own log group and nothing else until granted
 * more) and a log group with a retention.
 */

/** The project root: where package.json, the lock file and lambdas/ are. */
const PROJECT_ROOT = join(__dirname, '..');

/** esbuild target matching the runtime below. */
const RUNTIME = Runtime.NODEJS_22_X;
const ESBUILD_TARGET = 'node22';

export interface FailoverFunctionProps {
  /** Folder under lambdas/ that holds the function's handler.ts. */
  readonly handlerFolder: string;
  /**
   * A fixed name, for a function others invoke by name.
   * @default a name CloudFormation generates
   */
  readonly functionName?: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Retries of a failed asynchronous invocation (EventBridge invokes asynchronously).
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long an asynchronous invocation may wait (throttled, or between retries) before it is
   * given up and sent to `onFailure`.
   * @default 6 hours
   */
  readonly maxEventAge?: Duration;
  /**
   * Where an asynchronous invocation goes once it failed for good.
   * @default dropped
   */
  readonly onFailure?: IQueue;
  /**
   * Concurrency reserved for (and limiting) the function.
   * @default none: the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

export class FailoverFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: FailoverFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, 'lambdas', props.handlerFolder, 'handler.ts'),
      functionName: props.functionName,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment },
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      onFailure: props.onFailure ? new SqsDestination(props.onFailure) : undefined,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: {
        target: ESBUILD_TARGET,
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: false,
        // The runtime ships the AWS SDK v3 and the @smithy packages it is built on (the HTTP
        // handler whose timeouts every client sets among them); bundling them would pass the 1 MB
        // budget several times.
        externalModules: ['@aws-sdk/*', '@smithy/*'],
        // middy and Powertools ship ES modules: prefer them so esbuild can drop what is unused.
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
      },
    });
    acknowledgeRuntime(this.function);
  }
}
