import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { FaultProxyClient } from './fault-proxy-client';
import { DEFAULT_LOCAL_REGION, LOCAL_CREDENTIALS } from './local-credentials';
import { startMotoServer, type MotoServer } from './moto-server';

export interface LocalWorldOptions {
  readonly region?: string;
  /** Port of the EC2 endpoint clients use, i.e. the fault proxy's. */
  readonly ec2Port?: number;
  readonly dynamoDbPort?: number;
  /** Port of moto itself, behind the proxy; free by default. */
  readonly motoPort?: number;
  readonly eventSinkPath?: string;
  /** Tests that only need EC2 can skip the JVM. */
  readonly withDynamoDb?: boolean;
  readonly awsFidelity?: boolean;
}

export interface LocalWorld {
  readonly region: string;
  /** The fault proxy: what every EC2 client should use. */
  readonly ec2Endpoint: string;
  /** moto itself, for looking behind the proxy's back. */
  readonly motoEndpoint: string;
  readonly dynamoDbEndpoint: string | undefined;
  readonly eventSinkPath: string;
  readonly moto: MotoServer;
  readonly proxy: FaultProxy;
  readonly proxyClient: FaultProxyClient;
  /** The standard SDK variables that point any AWS client at this world. */
  environment(): Record<string, string>;
  stop(): Promise<void>;
}

export function localWorldEnvironment(world: Pick<LocalWorld, 'ec2Endpoint' | 'dynamoDbEndpoint' | 'region'>): Record<string, string> {
  const environment: Record<string, string> = { AWS_ENDPOINT_URL_EC2: world.ec2Endpoint };
  if (world.dynamoDbEndpoint !== undefined) environment.AWS_ENDPOINT_URL_DYNAMODB = world.dynamoDbEndpoint;
  return {
    ...environment,
    AWS_REGION: world.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

async function stopAll(stoppers: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(stoppers.map((stop) => stop()));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Starts moto, the fault proxy in front of it and (unless told not to) DynamoDB Local. */
export async function startLocalWorld(options: LocalWorldOptions = {}): Promise<LocalWorld> {
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const withDynamoDb = options.withDynamoDb ?? true;
  // Both take about a second; start them side by side, and tidy up whichever started if the other failed.
  const [motoResult, dynamoResult] = await Promise.allSettled([
    startMotoServer({ port: options.motoPort }),
    withDynamoDb ? startDynamoDbLocal({ port: options.dynamoDbPort }) : Promise.resolve(undefined),
  ]);
  const moto: MotoServer | undefined = motoResult.status === 'fulfilled' ? motoResult.value : undefined;
  const dynamoDb: DynamoDbLocal | undefined = dynamoResult.status === 'fulfilled' ? dynamoResult.value : undefined;
  const startFailure = [motoResult, dynamoResult].find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (startFailure || moto === undefined) {
    await Promise.allSettled([moto?.stop(), dynamoDb?.stop()]);
    throw startFailure?.reason ?? new Error('moto did not start');
  }

  let proxy: FaultProxy;
  try {
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      port: options.ec2Port,
      region,
      eventSinkPath: options.eventSinkPath,
      awsFidelity: options.awsFidelity,
    });
  } catch (error) {
    await Promise.allSettled([moto.stop(), dynamoDb?.stop()]);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  const world: LocalWorld = {
    region,
    ec2Endpoint: proxy.endpoint,
    motoEndpoint: moto.endpoint,
    dynamoDbEndpoint: dynamoDb?.endpoint,
    eventSinkPath: proxy.eventSinkPath,
    moto,
    proxy,
    proxyClient: new FaultProxyClient(proxy.endpoint),
    environment: () => localWorldEnvironment(world),
    stop() {
      stopped ??= (async () => {
        // The proxy first, so nothing new reaches moto while it goes down.
        await proxy.stop();
        await stopAll([() => moto.stop(), async () => dynamoDb?.stop()]);
      })();
      return stopped;
    },
  };
  return world;
}
