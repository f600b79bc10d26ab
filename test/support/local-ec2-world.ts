import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localClientConfig } from '../../src/local/local-credentials';
import { startLocalWorld, type LocalWorld } from '../../src/local/world';

export interface TestEc2ClientOptions {
  readonly maxAttempts?: number;
  /** Time limit per attempt, in ms. */
  readonly requestTimeoutMs?: number;
}

export interface Ec2TestWorld {
  readonly world: LocalWorld;
  /** A client of the fault proxy, as product code would have. */
  ec2(options?: TestEc2ClientOptions): EC2Client;
  /** A client of moto itself, to look behind the proxy's back. */
  moto(options?: TestEc2ClientOptions): EC2Client;
  stop(): Promise<void>;
}

/**
 * moto plus the fault proxy, per test file: each file gets EC2 state of its own, and files run in
 * parallel. DynamoDB is not started here; tests use the run's shared one.
 */
export async function startEc2TestWorld(): Promise<Ec2TestWorld> {
  const eventSinkPath = join(mkdtempSync(join(tmpdir(), 'ec2f-test-events-')), 'ec2-events.jsonl');
  const world = await startLocalWorld({ withDynamoDb: false, eventSinkPath });
  const clients: EC2Client[] = [];
  const client = (endpoint: string, options: TestEc2ClientOptions = {}): EC2Client => {
    const created = new EC2Client({
      ...localClientConfig(endpoint, world.region),
      maxAttempts: options.maxAttempts ?? 1,
      // Without throwOnRequestTimeout the handler would only log a warning when the time is up.
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 1000,
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        throwOnRequestTimeout: true,
      }),
    });
    clients.push(created);
    return created;
  };
  return {
    world,
    ec2: (options) => client(world.ec2Endpoint, options),
    moto: (options) => client(world.motoEndpoint, options),
    async stop() {
      for (const created of clients) created.destroy();
      await world.stop();
    },
  };
}
