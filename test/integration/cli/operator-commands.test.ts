import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { DynamoLeaseStore } from '../../../src/aws/dynamodb/lease-store';
import { applySpec } from '../../../src/apply/spec-apply';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { main } from '../../../src/cli/main';
import { parseClusterConfig } from '../../../src/core/config';
import type { FencingToken } from '../../../src/core/ports';
import { newMemory, reconcileOnce } from '../../../src/core/reconcile';
import { SimCloud } from '../../../src/sim/sim-cloud';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

/*
 * The operator commands against DynamoDB Local: status and history read the store; switchover
 * and maintenance only record a request, which a reconcile then carries out.
 */

let configPath: string;
let config: Record<string, any>;
let state: DynamoStateStore;
let heartbeats: DynamoHeartbeatStore;
let fence: FencingToken;
let now = Date.now();
const seq = { a: 0, b: 0 };
const memory = newMemory();
const cloud = new SimCloud(() => now);

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }).then((code) => ({
    code,
    out: out.join(''),
    err: err.join(''),
  }));
}

async function tick() {
  for (const [id, instanceId] of [['a', 'i-0000000000000000a'], ['b', 'i-0000000000000000b']] as const) {
    seq[id] += 1;
    await heartbeats.writeHeartbeat({ instanceId, seq: seq[id], sentAt: now, leaving: false, checks: [] });
  }
  now += 1000;
  return reconcileOnce({ state, heartbeats, cloud, clock: () => now }, memory, { fence, forceObserve: true });
}

beforeAll(async () => {
  // The CLI builds its clients from the standard SDK variables, as it would on AWS.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = testDynamoDbEndpoint();
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
  config = parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'));
  config.cluster = uniqueTableName('ops');
  config.nodes = [
    { id: 'node1', instanceId: 'i-0000000000000000a' },
    { id: 'node2', instanceId: 'i-0000000000000000b' },
  ];
  configPath = join(mkdtempSync(join(tmpdir(), 'ec2f-ops-')), 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  state = new DynamoStateStore(documents, config.cluster);
  heartbeats = new DynamoHeartbeatStore(documents, config.cluster);
  const acquired = await new DynamoLeaseStore(documents, config.cluster).acquire('ops-test', 3_600_000, now);
  if (!acquired.acquired) throw new Error('no lease');
  fence = acquired.fence;
  const spec = parseClusterConfig(config);
  for (const resource of spec.resources) for (const m of resource.members) cloud.enis.add(m.eni);
  cloud.addTable('rtb-0000000a', 'vpc-0abc1234', { '10.1.0.10/32': 'eni-01234567' });
  cloud.addresses.set('eipalloc-0abc1234', { networkInterfaceId: 'eni-0aaa1111' });
  for (const node of spec.nodes) cloud.instances.set(node.instanceId, 'running');
});

describe('operator commands', () => {
  it('status shows groups without status yet and nodes without heartbeats', async () => {
    // Act
    const { code, out } = await run(['status', '--config', configPath, '--no-ec2']);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/db\s+owner -\s+epoch 0\s+no status yet/);
    expect(out).toMatch(/node1\s+i-0000000000000000a\s+-\s+no verdict\s+no heartbeat/);
  });

  it('status shows owners, epochs and heartbeat sequences once the reconciler runs', async () => {
    // Prepare
    await tick();
    await tick();

    // Act
    const { out } = await run(['status', '--config', configPath, '--no-ec2']);
    const json = JSON.parse((await run(['status', '--config', configPath, '--json', '--no-ec2'])).out);

    // Assess
    expect(out).toMatch(/db\s+owner node1\s+epoch 1\s+steady/);
    expect(json.nodes.map((n: { node: string; heartbeat: { seq: number } }) => [n.node, n.heartbeat.seq])).toEqual([
      ['node1', 2],
      ['node2', 2],
    ]);
  });

  it('switchover only records a request; the reconciler carries it out and history shows it', async () => {
    // Act
    const requested = await run(['switchover', '--config', configPath, '--group', 'db', '--to', 'node2']);
    const pending = (await state.readStatuses()).get('db');
    const again = await run(['switchover', '--config', configPath, '--group', 'db', '--to', 'node2']);
    await tick();
    const history = await run(['history', '--config', configPath, '--group', 'db']);

    // Assess
    expect(requested.code).toBe(0);
    expect(pending).toMatchObject({ owner: 'node1', request: { kind: 'switchover', to: 'node2' } });
    expect(again.code).toBe(3);
    expect(again.err).toMatch(/EC2F-U002 .*unserved switchover/);
    expect((await state.readStatuses()).get('db')).toMatchObject({ owner: 'node2', epoch: 2 });
    expect(history.out).toMatch(/db\s+epoch 2\s+transition\s+switchover: node1 → node2: requested by operator/);
  });

  it('maintenance on makes the reconciler observe only, off resumes', async () => {
    // Act
    await run(['maintenance', '--config', configPath, '--group', 'db', '--on']);
    await tick();
    const during = (await state.readStatuses()).get('db');
    await run(['maintenance', '--config', configPath, '--group', 'db', '--off']);
    await tick();

    // Assess
    expect(during?.maintenance).toBe(true);
    expect((await state.readStatuses()).get('db')?.maintenance).toBe(false);
  });

  it.each([
    [['switchover', '--config', 'CONFIG', '--group', 'nope', '--to', 'node2'], /EC2F-U001 unknown group "nope"; groups: db, web-eip/],
    [['switchover', '--config', 'CONFIG', '--group', 'db', '--to', 'node9'], /EC2F-U001 unknown node "node9"; nodes: node1, node2/],
    [['maintenance', '--config', 'CONFIG', '--group', 'db'], /EC2F-U001 maintenance needs --group GROUP and exactly one of --on or --off/],
    [['history', '--config', 'CONFIG', '--limit', 'many'], /EC2F-U001 --limit "many": must be a whole number/],
    [['status'], /EC2F-U001 required option '-c, --config <file>' not specified/],
  ])('refuses bad input %j with a coded error and changes nothing', async (argv, message) => {
    // Prepare
    const before = await state.readStatuses();

    // Act
    const { code, err } = await run(argv.map((a) => (a === 'CONFIG' ? configPath : a)));

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(await state.readStatuses()).toEqual(before);
  });
});
