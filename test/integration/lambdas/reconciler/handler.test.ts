import { DescribeAddressesCommand, DescribeRouteTablesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sharedEc2Client } from '../../../../src/aws/ec2/client';
import { dynamoDbClient } from '../../../../src/aws/dynamodb/client';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import { DynamoLeaseStore } from '../../../../src/aws/dynamodb/lease-store';
import { applySpec } from '../../../../src/apply/spec-apply';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';
import { clusterTables } from '../../../../src/names';
import type { ClusterConfigInput } from '../../../../src/core/config';
import type { LoopSummary } from '../../../../src/core/loop';
import { LOCAL_CREDENTIALS } from '../../../../src/local/local-credentials';
import { DEMO_UNRELATED_ROUTE, DEMO_VIRTUAL_IP, seedDemo, type DemoSeed } from '../../../../src/local/seed-demo';
import { startEc2TestWorld, type Ec2TestWorld } from '../../../support/local-ec2-world';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../../support/local-dynamodb';

/*
 * The reconciler Lambda handler, invoked as Lambda would (a context with a few seconds left),
 * against the local world: moto behind the fault proxy for EC2, DynamoDB Local for the state.
 * Intervals are scaled down (a beat and a tick every 0.2 s) so one short resident run sees the
 * cluster settle on node1, node1's heartbeats stop, and everything move to node2 before its
 * deadline; then an on-demand run (the default shape) finds the cluster steady and stops at once.
 */

const BEAT_MS = 200;
/**
 * Until the loop has read the spec it keeps the default stop margin (2 × 3 s + 1 s), so a run
 * needs more than 7 s left to start at all; with the spec read the margin drops to 2.2 s.
 */
const RUN_MS = 9_000;
const STOP_MARGIN_MS = 2_200;
/** Long enough for the loop to judge both nodes healthy and settle the initial owner. */
const NODE1_DIES_AFTER_MS = 1_500;

let ec2World: Ec2TestWorld;
let moto: EC2Client;
let dynamo: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let demo: DemoSeed;
let cluster: string;
const savedEnvironment = new Map<string, string | undefined>();

function scaledDownConfig(seed: DemoSeed, name: string): ClusterConfigInput {
  return {
    ...seed.config,
    cluster: name,
    defaults: {
      ...seed.config.defaults,
      // Five missed beats (1 s) rather than three: a busy test machine must not fail node2 by accident.
      heartbeat: { intervalSeconds: BEAT_MS / 1000, missedBeats: 5 },
      checkIntervalSeconds: BEAT_MS / 1000,
      driftCheckIntervalSeconds: 1,
      // The loop stops 2 × apiCallTimeout + one interval before its deadline: 2.2 s here.
      tunables: { apiCallTimeoutSeconds: 1, restoreTimeoutSeconds: 5, removeTimeoutSeconds: 5, recoverTimeoutSeconds: 5, quickCheckTimeoutSeconds: 5, maxRetry: 3 },
    },
  } as ClusterConfigInput;
}

function lambdaContext(requestId: string, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'ec2-failover-reconciler',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ec2-failover-reconciler',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/ec2-failover-reconciler',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Both agents beat every BEAT_MS; `stop(instanceId)` silences one, `stopAll()` the rest. */
function startHeartbeats(instanceIds: readonly string[]) {
  const store = new DynamoHeartbeatStore(documents, cluster);
  const alive = new Set(instanceIds);
  let seq = 0;
  let pending = Promise.resolve();
  const beat = () => {
    seq += 1;
    const current = seq;
    // A beat that fails (or loses to the next one) is just a missed beat, as for a real agent.
    pending = Promise.all(
      [...alive].map((instanceId) =>
        store.writeHeartbeat({ instanceId, seq: current, sentAt: Date.now(), leaving: false, checks: [] }, 60).catch(() => undefined),
      ),
    ).then(() => undefined);
  };
  beat();
  const timer = setInterval(beat, BEAT_MS);
  return {
    stop: (instanceId: string) => alive.delete(instanceId),
    async stopAll() {
      clearInterval(timer);
      await pending;
    },
  };
}

async function protectedRouteTargets(): Promise<Record<string, string | undefined>> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [demo.ids.vpcId] }] }));
  const targets: Record<string, string | undefined> = {};
  for (const table of RouteTables ?? []) {
    for (const route of table.Routes ?? []) {
      if (route.DestinationCidrBlock === DEMO_VIRTUAL_IP || route.DestinationCidrBlock === DEMO_UNRELATED_ROUTE) {
        targets[`${table.RouteTableId} ${route.DestinationCidrBlock}`] = route.NetworkInterfaceId;
      }
    }
  }
  return targets;
}

async function eipInterface(): Promise<string | undefined> {
  const { Addresses } = await moto.send(new DescribeAddressesCommand({ AllocationIds: [demo.ids.allocationId] }));
  return Addresses?.[0]?.NetworkInterfaceId;
}

beforeAll(async () => {
  ec2World = await startEc2TestWorld();
  moto = ec2World.moto();
  dynamo = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  demo = await seedDemo(moto, { region: ec2World.world.region });
  cluster = uniqueTableName('lambda-reconciler');
  await applySpec(dynamo, scaledDownConfig(demo, cluster), { writer: 'test' });

  const environment: Record<string, string> = {
    AWS_ENDPOINT_URL_EC2: ec2World.world.ec2Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_REGION: ec2World.world.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    CLUSTER_NAME: cluster,
    EC2F_API_CALL_TIMEOUT_SECONDS: '1',
    POWERTOOLS_METRICS_NAMESPACE: 'Ec2FailoverTest',
    EC2F_RUN_SHAPE: 'resident',
  };
  for (const [name, value] of Object.entries(environment)) {
    savedEnvironment.set(name, process.env[name]);
    process.env[name] = value;
  }
});

afterAll(async () => {
  const region = ec2World?.world.region ?? 'us-east-1';
  sharedEc2Client({ region, apiCallTimeoutSeconds: 1 }).destroy();
  dynamoDbClient(region).destroy();
  if (cluster) {
    for (const table of clusterTables(cluster)) await dynamo.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
  }
  dynamo?.destroy();
  moto?.destroy();
  await ec2World?.stop();
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('reconciler Lambda handler', () => {
  it('resident, loops until its deadline and moves the routes and the Elastic IP to node2 when node1 stops beating', async () => {
    // Prepare: clients are built at module scope, so the handler is imported after the environment is set.
    const { handler } = (await import('../../../../lambdas/reconciler/handler')) as {
      handler: (event: unknown, context: Context) => Promise<LoopSummary>;
    };
    const routesBefore = await protectedRouteTargets();
    const heartbeats = startHeartbeats([demo.ids.node1.instanceId, demo.ids.node2.instanceId]);
    const started = Date.now();
    const deadline = started + RUN_MS;
    const node1Dies = setTimeout(() => heartbeats.stop(demo.ids.node1.instanceId), NODE1_DIES_AFTER_MS);

    // Act
    let summary: LoopSummary;
    try {
      summary = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext('run-1', deadline));
    } finally {
      clearTimeout(node1Dies);
      await heartbeats.stopAll();
    }
    const finishedAt = Date.now();

    // Assess: the run used its time, stopped before the deadline and let the lease go.
    expect(summary).toMatchObject({ heldLease: true, stoppedBecause: 'deadline' });
    expect(summary.ticks).toBeGreaterThan(5);
    expect(finishedAt).toBeLessThan(deadline);
    expect(finishedAt - started).toBeGreaterThan(RUN_MS - STOP_MARGIN_MS - 500);
    expect(await new DynamoLeaseStore(documents, cluster).read()).toMatchObject({ holder: 'run-1', expiresAt: 0 });

    // Every protected route and the EIP now point at node2; the unrelated route is untouched.
    const routesAfter = await protectedRouteTargets();
    for (const [key, target] of Object.entries(routesAfter)) {
      if (key.endsWith(DEMO_VIRTUAL_IP)) expect(target, key).toBe(demo.ids.node2.eniId);
      else expect(target, key).toBe(routesBefore[key]);
    }
    expect(Object.keys(routesAfter).filter((key) => key.endsWith(DEMO_VIRTUAL_IP))).toHaveLength(3);
    expect(await eipInterface()).toBe(demo.ids.node2.eniId);

    // The state store agrees: node2 owns the group after a failover, recorded in the history.
    const state = new DynamoStateStore(documents, cluster);
    const status = (await state.read()).statuses.get('demo');
    expect(status).toMatchObject({ owner: 'node2', phase: 'steady' });
    const transitions = (await state.readHistory({ group: 'demo' })).filter((entry) => entry.kind === 'transition');
    expect(transitions.map((entry) => entry.message).join('\n')).toMatch(/node2/);
    expect(transitions.at(-1)?.epoch).toBe(status?.epoch);
  });

  it('on demand (the default shape), finds the cluster steady, stops at once and lets the lease go', async () => {
    // Prepare: a fresh container of the function, built without EC2F_RUN_SHAPE; both agents beat
    vi.resetModules();
    delete process.env.EC2F_RUN_SHAPE;
    const { handler } = (await import('../../../../lambdas/reconciler/handler')) as {
      handler: (event: unknown, context: Context) => Promise<LoopSummary>;
    };
    const heartbeats = startHeartbeats([demo.ids.node1.instanceId, demo.ids.node2.instanceId]);
    await new Promise((resolve) => setTimeout(resolve, 2 * BEAT_MS));
    const started = Date.now();

    // Act
    let summary: LoopSummary;
    try {
      summary = await handler({ source: 'ec2-failover.wake', reason: 'agent-started', from: 'node1' }, lambdaContext('run-2', started + RUN_MS));
    } finally {
      await heartbeats.stopAll();
    }

    // Assess: stopped steady within a few ticks, not at its deadline; node2 keeps the group (intelligent switchback)
    expect(summary).toMatchObject({ heldLease: true, stoppedBecause: 'steady', transitions: 0 });
    expect(Date.now() - started).toBeLessThan(RUN_MS - STOP_MARGIN_MS);
    expect(await new DynamoLeaseStore(documents, cluster).read()).toMatchObject({ holder: 'run-2', expiresAt: 0 });
    expect((await new DynamoStateStore(documents, cluster).read()).statuses.get('demo')).toMatchObject({ owner: 'node2', phase: 'steady' });
  });
});
