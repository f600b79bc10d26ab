import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, type DynamoDbClientOptions } from '../../src/aws/dynamodb/client';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../src/local/dynamodb-local';
import { LOCAL_CREDENTIALS, DEFAULT_LOCAL_REGION } from '../../src/local/local-credentials';

/*
 * A DynamoDB Local of a test's own, for tests that freeze it: SIGSTOP on its process group
 * stalls it exactly as a brownout would (connections accepted by the kernel, nothing answered),
 * SIGCONT resumes it. The run's shared DynamoDB Local (test/global-setup.ts) must never be
 * frozen: every other test file would stall with it. About 1-2 s to start and 110 MB: start one
 * per file (beforeAll), stop it in afterAll.
 */

export interface PrivateDynamoDbLocal {
  readonly endpoint: string;
  /** A client of this instance with the control plane's bounds (override any); destroyed by `stop`. */
  client(options?: Omit<DynamoDbClientOptions, 'region' | 'endpoint' | 'credentials'>): DynamoDBClient;
  /** Stops the JVM where it stands (SIGSTOP to its process group). */
  freeze(): void;
  /** Resumes it (SIGCONT). */
  thaw(): void;
  readonly frozen: boolean;
  /** Thaws it if frozen (a stopped process would not see SIGTERM), stops it, destroys the clients. */
  stop(): Promise<void>;
}

export async function startPrivateDynamoDbLocal(): Promise<PrivateDynamoDbLocal> {
  const local: DynamoDbLocal = await startDynamoDbLocal();
  const clients: DynamoDBClient[] = [];
  let frozen = false;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-local.pid, name);
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  const freeze = () => {
    signal('SIGSTOP');
    frozen = true;
  };
  const thaw = () => {
    signal('SIGCONT');
    frozen = false;
  };
  return {
    endpoint: local.endpoint,
    client(options = {}) {
      const client = createDynamoDbClient({ ...options, region: DEFAULT_LOCAL_REGION, endpoint: local.endpoint, credentials: LOCAL_CREDENTIALS });
      clients.push(client);
      return client;
    },
    freeze,
    thaw,
    get frozen() {
      return frozen;
    },
    async stop() {
      if (frozen) thaw();
      for (const client of clients.splice(0)) client.destroy();
      await local.stop({ graceMs: 1_000 });
    },
  };
}
