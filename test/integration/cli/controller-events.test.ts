import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applySpec } from '../../../src/apply/spec-apply';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { localWorldEnvironment } from '../../../src/local/world';
import { readEventsFrom } from '../../../src/process/event-file';
import type { TransitionEventEnvelope } from '../../../src/process/transition-event-file';
import { CliProcess, eventually, killAllCliProcesses } from '../../support/cli-process';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * `ec2-failover controller --events-out FILE` against the local world (moto behind the fault
 * proxy, DynamoDB Local), intervals scaled down five-fold: the group's first owner and a failover
 * come out as EventBridge-shaped JSON lines, derived from the history the controller recorded.
 */

const BEAT_MS = 200;

let ec2World: Ec2TestWorld;
let seed: DemoSeed;
let folder: string;
let configPath: string;
let eventsPath: string;
let cluster: string;
let env: Record<string, string>;
let store: DynamoStateStore;
let pump: NodeJS.Timeout | undefined;
const beating = new Set<string>();

async function announced(epoch: number): Promise<TransitionEventEnvelope[] | undefined> {
  const { events } = await readEventsFrom<TransitionEventEnvelope>(eventsPath);
  return events.some((e) => e.detail.epoch === epoch) ? events : undefined;
}

beforeAll(async () => {
  ec2World = await startEc2TestWorld();
  seed = await seedDemo(ec2World.ec2(), { region: ec2World.world.region });
  cluster = uniqueTableName('evt');
  const config = {
    ...seed.config,
    cluster,
    defaults: {
      ...seed.config.defaults,
      heartbeat: { intervalSeconds: BEAT_MS / 1000, missedBeats: 3 },
      checkIntervalSeconds: 0.2,
      driftCheckIntervalSeconds: 1,
      tunables: { apiCallTimeoutSeconds: 1, restoreTimeoutSeconds: 5, recoverTimeoutSeconds: 5, removeTimeoutSeconds: 5, quickCheckTimeoutSeconds: 2 },
    },
  };
  folder = mkdtempSync(join(tmpdir(), 'ec2f-controller-events-'));
  configPath = join(folder, 'cluster.yaml');
  eventsPath = join(folder, 'ownership-events.jsonl');
  writeFileSync(configPath, stringify(config));
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  store = new DynamoStateStore(documents, cluster);
  const heartbeats = new DynamoHeartbeatStore(documents, cluster);
  env = localWorldEnvironment({ ec2Endpoint: ec2World.world.ec2Endpoint, dynamoDbEndpoint: testDynamoDbEndpoint(), region: ec2World.world.region });
  const seq: Record<string, number> = {};
  beating.add(seed.ids.node1.instanceId).add(seed.ids.node2.instanceId);
  pump = setInterval(() => {
    for (const instanceId of beating) {
      seq[instanceId] = (seq[instanceId] ?? Date.now()) + 1;
      heartbeats.writeHeartbeat({ instanceId, seq: seq[instanceId]!, sentAt: Date.now(), leaving: false, checks: [] }).catch(() => undefined);
    }
  }, BEAT_MS);
}, 120_000);

afterAll(async () => {
  if (pump) clearInterval(pump);
  await killAllCliProcesses();
  await ec2World?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('ec2-failover controller --events-out (real process, local world)', () => {
  it('writes one Ownership Changed event per transition, in the documented shape, with the seconds the history records', async () => {
    // Prepare
    const controller = CliProcess.start(['controller', '--config', configPath, '--events-out', eventsPath, '--holder', 'e1'], env);
    await eventually(() => announced(1), 20_000);

    // Act
    beating.delete(seed.ids.node1.instanceId);
    const events = await eventually(() => announced(2), 20_000);
    const exit = await controller.kill('SIGTERM');

    // Assess
    expect(exit.code).toBe(0);
    expect(events.map((e) => e.detail.epoch)).toEqual([1, 2]);
    const failover = events[1]!;
    expect(failover).toMatchObject({
      version: '0',
      source: 'ec2-failover',
      'detail-type': 'Ownership Changed',
      region: ec2World.world.region,
      resources: [],
      detail: { cluster, group: 'demo', from: 'node1', to: 'node2', epoch: 2, reason: 'failover' },
    });
    expect(failover.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys(failover.detail).sort()).toEqual(['cluster', 'epoch', 'from', 'group', 'reason', 'seconds', 'to']);
    expect(events[0]!.detail).toMatchObject({ from: null, to: 'node1', epoch: 1, reason: 'initial' });
    const history = (await store.readHistory({ group: 'demo' })).filter((h) => h.epoch === 2);
    const decided = history.find((h) => h.kind === 'transition')!;
    const steady = history.find((h) => h.kind === 'phase')!;
    expect(failover.detail.seconds).toBe(Math.round(steady.at - decided.at) / 1000);
    expect(new Date(failover.time).getTime()).toBe(Math.floor(decided.at / 1000) * 1000);
  }, 60_000);
});
