import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbClient, documentClientFor } from '../../../../src/aws/dynamodb/client';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import { DEFAULT_LOCAL_REGION, LOCAL_CREDENTIALS } from '../../../../src/local/local-credentials';
import { startDynamoDbRelay, type DynamoDbRelay } from '../../../support/dynamodb-relay';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../../support/local-dynamodb';

/*
 * The test relay in front of the shared DynamoDB Local: it delays, holds or cuts the traffic of
 * the clients pointed at it, and only theirs. A freeze here holds bytes in the relay; the shared
 * DynamoDB Local itself never stops.
 */

let relay: DynamoDbRelay;
const clients: DynamoDBClient[] = [];

/** A client through the relay, with a request bound well above the delays used here. */
function relayedClient(): DynamoDBClient {
  const client = createDynamoDbClient({
    region: DEFAULT_LOCAL_REGION,
    endpoint: relay.endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestTimeoutMs: 10_000,
  });
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to 'pending' if `promise` has not settled within `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<'pending' | 'settled'> {
  return Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), sleep(ms).then(() => 'pending' as const)]);
}

beforeEach(async () => {
  relay = await startDynamoDbRelay(testDynamoDbEndpoint());
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await relay?.stop();
});

describe('the DynamoDB relay', () => {
  it('passes calls through', async () => {
    // Act
    const result = await relayedClient().send(new ListTablesCommand({ Limit: 1 }));

    // Assess
    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(relay.connections).toBe(1);
  });

  it('delays each call by the chosen time, and stops delaying on pass', async () => {
    // Prepare
    const client = relayedClient();
    await client.send(new ListTablesCommand({ Limit: 1 }));

    // Act
    relay.delay(400);
    let started = Date.now();
    await client.send(new ListTablesCommand({ Limit: 1 }));
    const delayed = Date.now() - started;
    relay.pass();
    started = Date.now();
    await client.send(new ListTablesCommand({ Limit: 1 }));
    const passed = Date.now() - started;

    // Assess
    expect(delayed).toBeGreaterThanOrEqual(400);
    expect(passed).toBeLessThan(400);
  });

  it('holds a call while frozen and delivers it once thawed, as SIGSTOP and SIGCONT would', async () => {
    // Prepare
    const client = relayedClient();
    await client.send(new ListTablesCommand({ Limit: 1 }));

    // Act
    relay.freeze();
    const call = client.send(new ListTablesCommand({ Limit: 1 }));
    const whileFrozen = await stateAfter(call, 600);
    const heldWhileFrozen = relay.held;
    relay.pass();
    const result = await call;

    // Assess
    expect(whileFrozen).toBe('pending');
    expect(heldWhileFrozen).toBeGreaterThan(0);
    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(relay.held).toBe(0);
  });

  it('cuts calls while dropping, and lets new ones through again on pass', async () => {
    // Prepare
    const client = relayedClient();
    await client.send(new ListTablesCommand({ Limit: 1 }));

    // Act
    relay.drop();
    const dropped = await client.send(new ListTablesCommand({ Limit: 1 })).catch((error: unknown) => error);
    relay.pass();
    const after = await client.send(new ListTablesCommand({ Limit: 1 }));

    // Assess
    expect(dropped).toBeInstanceOf(Error);
    expect(after.$metadata.httpStatusCode).toBe(200);
  });

  it('freezes DynamoDB for the chosen client only: a heartbeat writer behind it stalls, a direct reader does not', async () => {
    // Prepare
    const direct = testDynamoDbClient();
    clients.push(direct);
    const cluster = uniqueTableName('relay');
    await ensureTables(direct, cluster);
    const writer = new DynamoHeartbeatStore(documentClientFor(relayedClient()), cluster);
    const reader = new DynamoHeartbeatStore(documentClientFor(direct), cluster);
    const beat = { instanceId: 'i-0aaaaaaaaaaaaaaa1', sentAt: 1, leaving: false, checks: [] };
    await writer.writeHeartbeat({ ...beat, seq: 1 });

    // Act
    relay.freeze();
    const frozenWrite = writer.writeHeartbeat({ ...beat, seq: 2 });
    const whileFrozen = await stateAfter(frozenWrite, 500);
    const readWhileFrozen = await reader.readHeartbeats();
    relay.pass();
    await frozenWrite;
    const readAfter = await reader.readHeartbeats();

    // Assess
    expect(whileFrozen).toBe('pending');
    expect(readWhileFrozen.beats.map((b) => b.seq)).toEqual([1]);
    expect(readAfter.beats.map((b) => b.seq)).toEqual([2]);
  });
});

describe('the DynamoDB relay lifecycle', () => {
  let extra: DynamoDbRelay | undefined;

  beforeAll(async () => {
    extra = await startDynamoDbRelay(testDynamoDbEndpoint());
  });

  afterAll(async () => {
    await extra?.stop();
  });

  it('stops while a frozen call waits, cutting it instead of hanging', async () => {
    // Prepare
    const client = createDynamoDbClient({ region: DEFAULT_LOCAL_REGION, endpoint: extra!.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    clients.push(client);
    extra!.freeze();
    const call = client.send(new ListTablesCommand({ Limit: 1 })).catch((error: unknown) => error);
    await sleep(100);

    // Act
    await extra!.stop();
    const outcome = await call;

    // Assess
    expect(outcome).toBeInstanceOf(Error);
  });
});
