import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoDbClient } from '../../../../src/aws/dynamodb/client';
import { DynamoLeaseStore } from '../../../../src/aws/dynamodb/lease-store';
import { SignalStore } from '../../../../src/aws/dynamodb/signal-store';
import { SignalItemKey } from '../../../../src/names';
import { applySpec } from '../../../../src/apply/spec-apply';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import { clusterTables } from '../../../../src/names';
import type { ClusterConfigInput } from '../../../../src/core/config';
import { LOCAL_CREDENTIALS } from '../../../../src/local/local-credentials';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../../support/local-dynamodb';

/*
 * Recorded node events against DynamoDB Local: the SignalStore the events Lambda writes and the
 * reconcile loop reads, and the events Lambda itself, invoked as Lambda would.
 */

const REGION = 'us-east-1';
const NODE1 = 'i-0123456789abcdef0';
const NODE2 = 'i-0fedcba9876543210';

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
const clusters: string[] = [];
const savedEnvironment = new Map<string, string | undefined>();

async function newCluster(prefix: string): Promise<string> {
  const cluster = uniqueTableName(prefix);
  clusters.push(cluster);
  await ensureTables(client, cluster);
  return cluster;
}

function config(cluster: string): ClusterConfigInput {
  return {
    cluster,
    region: REGION,
    nodes: [
      { id: 'node1', instanceId: NODE1, alarmName: 'node1-health' },
      { id: 'node2', instanceId: NODE2 },
    ],
    resources: [
      {
        id: 'db-vip',
        group: 'db',
        mode: 'route',
        vpcId: 'vpc-0abc1234',
        destination: '10.1.0.10/32',
        members: [
          { node: 'node1', eni: 'eni-01234567', priority: 1 },
          { node: 'node2', eni: 'eni-89abcdef', priority: 10 },
        ],
      },
    ],
  };
}

function setEnvironment(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!savedEnvironment.has(name)) savedEnvironment.set(name, process.env[name]);
    process.env[name] = value;
  }
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'ec2-failover-events',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:ec2-failover-events`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/ec2-failover-events',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A whole second shortly before the test: EventBridge's events carry whole seconds. */
const T = Math.floor(Date.now() / 1000) * 1000 - 60_000;

function stateChange(instanceId: string, state: string, timeMs = T) {
  return {
    version: '0',
    id: 'a1b2c3d4',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: new Date(timeMs).toISOString().replace(/\.000Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:123456789012:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, state },
  };
}

beforeAll(() => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});

afterAll(async () => {
  for (const cluster of clusters) {
    for (const table of clusterTables(cluster)) await client.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
  }
  client?.destroy();
  dynamoDbClient(REGION).destroy();
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('SignalStore', () => {
  it('keeps the newest signal per instance and per alarm and reads them all back', async () => {
    // Prepare
    const store = new SignalStore(documents, await newCluster('sig'));
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopping' }, at: T + 1_000 });
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopped' }, at: T + 2_000 });
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE2, state: 'running' }, at: T + 1_500 });
    await store.recordSignal({ signal: { kind: 'alarm', alarmName: 'node1-health', alarming: true }, at: T + 1_200 });

    // Act
    const signals = await store.readSignals();

    // Assess
    expect([...signals].sort((a, b) => a.at - b.at)).toEqual([
      { signal: { kind: 'alarm', alarmName: 'node1-health', alarming: true }, at: T + 1_200 },
      { signal: { kind: 'instance-state', instanceId: NODE2, state: 'running' }, at: T + 1_500 },
      { signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopped' }, at: T + 2_000 },
    ]);
  });

  it('does not let a late, older event replace a newer one', async () => {
    // Prepare
    const store = new SignalStore(documents, await newCluster('sig'));
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopped' }, at: T + 5_000 });

    // Act
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE1, state: 'running' }, at: T + 4_000 });
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE1, state: 'running' }, at: T + 5_000 });

    // Assess
    expect(await store.readSignals()).toEqual([{ signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopped' }, at: T + 5_000 }]);
  });

  it('writes an expiry an hour after the event, and leaves out a signal past it', async () => {
    // Prepare
    const cluster = await newCluster('sig');
    const store = new SignalStore(documents, cluster);
    const twoHoursAgo = T - 2 * 3_600_000;
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopped' }, at: twoHoursAgo });
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE2, state: 'running' }, at: T });

    // Act
    const signals = await store.readSignals();
    const { Item } = await documents.send(new GetCommand({ TableName: `${cluster}-resources`, Key: { pk: SignalItemKey.instance(NODE1) } }));

    // Assess: DynamoDB deletes expired items within days, so a read must not trust them meanwhile
    expect(Item).toMatchObject({ expiresAt: twoHoursAgo / 1000 + 3_600 });
    expect(signals).toEqual([{ signal: { kind: 'instance-state', instanceId: NODE2, state: 'running' }, at: T }]);
  });

  it('lives beside specs, status and the lease without either side seeing the other', async () => {
    // Prepare
    const cluster = uniqueTableName('sig');
    clusters.push(cluster);
    await applySpec(client, config(cluster), { writer: 'test' });
    const lease = new DynamoLeaseStore(documents, cluster);
    await lease.acquire('loop-1', 5_000, Date.now());
    const store = new SignalStore(documents, cluster);
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: NODE2, state: 'terminated' }, at: T + 3_000 });
    // Something foreign that starts like a signal must be skipped, not trusted.
    await documents.send(new PutCommand({ TableName: `${cluster}-resources`, Item: { pk: SignalItemKey.instance('i-0badbadbadbadbad0'), kind: 'signal' } }));

    // Act
    const signals = await store.readSignals();
    const state = await new DynamoStateStore(documents, cluster).read();
    const reapplied = await applySpec(client, config(cluster), { writer: 'test' });

    // Assess
    expect(signals).toEqual([{ signal: { kind: 'instance-state', instanceId: NODE2, state: 'terminated' }, at: T + 3_000 }]);
    expect(state.spec.resources.map((r) => r.id)).toEqual(['db-vip']);
    expect(reapplied.changes.map((c) => c.change)).toEqual(['unchanged', 'unchanged']);
    expect(reapplied.transactions).toBe(0);
    expect((await lease.read())?.holder).toBe('loop-1');
  });

  it('reports a cluster whose tables do not exist with a coded error', async () => {
    // Prepare
    const store = new SignalStore(documents, uniqueTableName('absent'));

    // Act
    const reading = store.readSignals();

    // Assess
    await expect(reading).rejects.toThrow(/^EC2F-D001 /);
  });
});

describe('events Lambda handler', () => {
  let cluster: string;
  let handler: (event: unknown, context: Context) => Promise<{ recorded: boolean }>;

  beforeAll(async () => {
    cluster = await newCluster('evt');
    // The handler builds its clients at module scope, so the environment comes first.
    setEnvironment({
      AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      CLUSTER_NAME: cluster,
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    ({ handler } = await import('../../../../lambdas/events/handler'));
  });

  it("records an EC2 stop event for the reconcile loop, at the event's own time rather than its arrival", async () => {
    // Act
    const result = await handler(stateChange(NODE1, 'stopping', T - 30_000), lambdaContext('req-stop'));

    // Assess
    expect(result).toEqual({ recorded: true });
    const signals = await new SignalStore(documents, cluster).readSignals();
    expect(signals).toEqual([{ signal: { kind: 'instance-state', instanceId: NODE1, state: 'stopping' }, at: T - 30_000 }]);
  });

  it('records a "running" event, which replaces an older stop; a stop that arrives late, older or of the same second, does not replace it', async () => {
    // Prepare
    await handler(stateChange(NODE2, 'stopped', T - 20_000), lambdaContext('req-stopped'));
    const instance2 = async () => (await new SignalStore(documents, cluster).readSignals()).filter((s) => s.signal.kind === 'instance-state' && s.signal.instanceId === NODE2);

    // Act
    const running = await handler(stateChange(NODE2, 'running', T - 10_000), lambdaContext('req-running'));
    const afterRunning = await instance2();
    const lateStop = await handler(stateChange(NODE2, 'stopped', T - 15_000), lambdaContext('req-late-stop'));
    const sameSecondStop = await handler(stateChange(NODE2, 'stopping', T - 10_000), lambdaContext('req-same-second'));

    // Assess
    expect([running, lateStop, sameSecondStop]).toEqual([{ recorded: true }, { recorded: true }, { recorded: true }]);
    expect(afterRunning).toEqual([{ signal: { kind: 'instance-state', instanceId: NODE2, state: 'running' }, at: T - 10_000 }]);
    expect(await instance2()).toEqual(afterRunning);
  });

  it('refuses an EC2 event without a time, with its code, and records nothing', async () => {
    // Prepare
    const store = new SignalStore(documents, cluster);
    const before = await store.readSignals();
    const { time: _, ...untimed } = stateChange(NODE1, 'stopped', T + 1_000);
    const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(() => true), vi.spyOn(process.stderr, 'write').mockImplementation(() => true)];

    // Act
    let result;
    try {
      result = await handler(untimed, lambdaContext('req-untimed'));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    // Assess
    expect(result).toEqual({ recorded: false });
    expect(await store.readSignals()).toEqual(before);
  });

  it('records an alarm state change', async () => {
    // Prepare
    const event = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: new Date(T).toISOString(),
      detail: { alarmName: 'node1-health', state: { value: 'ALARM' } },
    };

    // Act
    const result = await handler(event, lambdaContext('req-alarm'));

    // Assess
    expect(result).toEqual({ recorded: true });
    const signals = await new SignalStore(documents, cluster).readSignals();
    expect(signals.map((s) => s.signal)).toContainEqual({ kind: 'alarm', alarmName: 'node1-health', alarming: true });
  });

  it('logs a malformed event with its code and changes nothing', async () => {
    // Prepare
    const store = new SignalStore(documents, cluster);
    const before = await store.readSignals();
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    // Powertools writes ERROR lines to stderr and the others to stdout.
    const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];

    // Act
    let result;
    try {
      result = await handler({ source: 'aws.ec2', 'detail-type': 'EC2 Spot Instance Interruption Warning', detail: {} }, lambdaContext('req-bad'));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    // Assess
    expect(result).toEqual({ recorded: false });
    expect(await store.readSignals()).toEqual(before);
    const line = written.map((w) => JSON.parse(w) as Record<string, unknown>).find((entry) => entry.level === 'ERROR');
    expect(line).toMatchObject({ code: 'EC2F-V001', cluster, function_request_id: 'req-bad' });
    expect(String(line?.message)).toMatch(/^EC2F-V001 /);
  });
});
