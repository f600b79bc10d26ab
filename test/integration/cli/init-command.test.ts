import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { DynamoLeaseStore } from '../../../src/aws/dynamodb/lease-store';
import { applySpec } from '../../../src/apply/spec-apply';
import { editStoredResource } from '../../../src/apply/spec-edit';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { main } from '../../../src/cli/main';
import type { GroupStatus } from '../../../src/core/model';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

/*
 * `ec2-failover init` against DynamoDB Local: the CLI reaches it through the SDK's standard
 * endpoint variable, as an operator pointing it at DynamoDB Local would.
 */

const README_EXAMPLE = `
cluster: prod-db
region: us-east-1
defaults:
  heartbeat: { intervalSeconds: 1, missedBeats: 3 }
  switchback: intelligent
  checkIntervalSeconds: 1
  driftCheckIntervalSeconds: 10
  switchbackDwellSeconds: 60
  fencing: none
  tunables: { apiCallTimeoutSeconds: 3, restoreTimeoutSeconds: 300, removeTimeoutSeconds: 300, recoverTimeoutSeconds: 300, quickCheckTimeoutSeconds: 100, maxRetry: 3 }
nodes:
  - { id: node1, instanceId: i-0123456789abcdef0 }
  - { id: node2, instanceId: i-0fedcba9876543210 }
resources:
  - id: db-vip
    group: db
    mode: route
    vpcId: vpc-0abc1234
    vpcCidr: 10.0.0.0/16
    destination: 10.1.0.10/32
    routeTables: all
    members:
      - { node: node1, eni: eni-01234567, priority: 1 }
      - { node: node2, eni: eni-89abcdef, priority: 10 }
  - id: web-eip
    mode: eip
    allocationId: eipalloc-0abc1234
    switchback: automatic
    members:
      - { node: node1, eni: eni-0aaa1111, priority: 1 }
      - { node: node2, eni: eni-0bbb2222, priority: 10, privateIp: 10.0.2.15 }
`;

/** The config as a test edits it: loose, like the YAML it is written to. */
interface Config {
  [key: string]: unknown;
  cluster: string;
  nodes: { id: string; instanceId: string }[];
  resources: { [key: string]: unknown; id: string; members: { node: string; eni: string; priority: number }[] }[];
}

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let workDir: string;
let cluster: string;
let configFile: string;

beforeAll(() => {
  // The CLI builds its own client from the environment, as in production.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = testDynamoDbEndpoint();
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_PROFILE;
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client);
  workDir = mkdtempSync(join(tmpdir(), 'ec2f-init-'));
});

afterAll(() => {
  client?.destroy();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  cluster = uniqueTableName('init');
  configFile = writeConfig(readmeExample());
});

function readmeExample(): Config {
  return { ...(parseYaml(README_EXAMPLE) as Config), cluster };
}

function writeConfig(config: Config, name = `${cluster}.yaml`): string {
  const path = join(workDir, name);
  writeFileSync(path, toYaml(config));
  return path;
}

async function init(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['init', ...argv], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

async function storedItems(): Promise<Record<string, unknown>[]> {
  const { Items } = await documents.send(new ScanCommand({ TableName: `${cluster}-resources`, ConsistentRead: true }));
  return [...(Items ?? [])].sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
}

async function storedItem(resourceId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: `${cluster}-resources`, Key: { pk: `resource#${resourceId}` }, ConsistentRead: true }),
  );
  return Item;
}

/** Gives group `db` a status as a reconciler would: owner node2 after a failover, version 3. */
async function failDbOverToNode2(): Promise<GroupStatus> {
  const store = new DynamoStateStore(documents, cluster);
  const acquired = await new DynamoLeaseStore(documents, cluster).acquire('loop-a', 60_000, Date.now());
  if (!acquired.acquired) throw new Error('lease must be free');
  const db = (await store.read()).spec.groups.find((g) => g.id === 'db')!;
  let status: GroupStatus = { group: 'db', owner: null, epoch: 0, phase: 'steady', version: 0, maintenance: false, repairFailures: 0, excluded: [] };
  for (const owner of ['node1', 'node2', 'node2']) {
    const moved = owner !== status.owner;
    status = { ...status, owner, epoch: status.epoch + (moved ? 1 : 0), phase: moved ? 'failing-over' : 'steady', version: status.version + 1 };
    if ((await store.commitStatus(db, status, acquired.fence)) !== 'committed') throw new Error('commit must succeed');
  }
  return status;
}

describe('ec2-failover init', () => {
  it('creates the tables and applies the config, printing what it added', async () => {
    // Act
    const result = await init('--config', configFile, '--writer', 'init:test');

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.split('\n')).toEqual([
      `created tables ${cluster}-resources, ${cluster}-heartbeats, ${cluster}-history`,
      `+ cluster ${cluster}`,
      '+ resource db-vip',
      '+ resource web-eip',
      `applied ${configFile} to cluster ${cluster}: 3 added, 0 changed, 0 deleted, 0 kept`,
      '',
    ]);
    const spec = (await new DynamoStateStore(documents, cluster).read()).spec;
    expect(spec.resources.map((r) => [r.id, r.group, r.members.map((m) => m.node)])).toEqual([
      ['db-vip', 'db', ['node1', 'node2']],
      ['web-eip', 'web-eip', ['node1', 'node2']],
    ]);
    expect((await storedItem('db-vip'))?.lastWriter).toBe('init:test');
  });

  it('changes nothing when applied twice', async () => {
    // Prepare
    await init('--config', configFile);
    const before = await storedItems();

    // Act
    const result = await init('--config', configFile);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `= cluster ${cluster}\n= resource db-vip\n= resource web-eip\n= unchanged: cluster ${cluster} already matches ${configFile}\n`,
    );
    expect(await storedItems()).toEqual(before);
  });

  it('refuses an invalid config with its coded message and creates nothing', async () => {
    // Prepare
    const config = readmeExample();
    config.resources[0]!.members[1]!.priority = 1;
    const file = writeConfig(config, 'duplicate-priority.yaml');

    // Act
    const result = await init('--config', file);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('EC2F-C007');
    expect(result.stderr).toContain('resources[0].members[1].priority');
    await expect(client.send(new DescribeTableCommand({ TableName: `${cluster}-resources` }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it.each([
    ['no --config', []],
    ['an unknown flag', ['--config', 'x.yaml', '--dry-run']],
    ['a missing file', ['--config', '/nonexistent/cluster.yaml']],
  ])('refuses %s as a usage error', async (_label, argv) => {
    // Act
    const result = await init(...argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^EC2F-U001 /);
  });

  it('refuses to overwrite another writer’s edit, naming what differs, and overwrites it with --force', async () => {
    // Prepare
    await init('--config', configFile);
    await editStoredResource(documents, cluster, 'web-eip', (spec) => {
      (spec.members as { priority: number }[])[1]!.priority = 20;
      return spec;
    }, 'cli:bob');

    // Act
    const refused = await init('--config', configFile);
    const storedAfterRefusal = await storedItem('web-eip');
    const forced = await init('--config', configFile, '--force');

    // Assess
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^EC2F-A001 /);
    expect(refused.stderr).toContain('resource web-eip (edited by cli:bob): members[1].priority 20 → 10');
    expect(refused.stderr).toContain('--force');
    expect((storedAfterRefusal?.spec as { members: { priority: number }[] }).members[1]!.priority).toBe(20);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('~ resource web-eip: members[1].priority 20 → 10 (overwrote an edit by cli:bob)');
    expect((await storedItem('web-eip'))?.spec).toMatchObject({ members: [{ priority: 1 }, { priority: 10 }] });
    expect((await init('--config', configFile)).stdout).toContain('= unchanged');
  });

  it('adopts another writer’s edit that the config already has', async () => {
    // Prepare
    await init('--config', configFile);
    await editStoredResource(documents, cluster, 'web-eip', (spec) => ({ ...spec, switchback: 'intelligent' }), 'cli:bob');
    const config = readmeExample();
    config.resources[1]!.switchback = 'intelligent';
    writeConfig(config);

    // Act
    const adopted = await init('--config', configFile);
    config.resources[1]!.switchback = 'automatic';
    writeConfig(config);
    const changedAgain = await init('--config', configFile);

    // Assess
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain('= resource web-eip');
    expect(changedAgain.code).toBe(0);
    expect(changedAgain.stdout).toContain('~ resource web-eip: switchback intelligent → automatic\n');
  });
});

describe('applySpec and group status', () => {
  it('keeps owner, epoch and version of a group whose spec changes', async () => {
    // Prepare
    await init('--config', configFile);
    const status = await failDbOverToNode2();
    const config = readmeExample();
    config.resources[0]!.members[1]!.priority = 5;

    // Act
    const result = await applySpec(client, config, { writer: 'test' });

    // Assess
    expect(result.changes).toContainEqual({
      item: { kind: 'resource', id: 'db-vip' },
      change: 'changed',
      fields: [{ path: 'members[1].priority', before: 10, after: 5 }],
      overwrote: undefined,
      note: undefined,
    });
    const statuses = await new DynamoStateStore(documents, cluster).readStatuses();
    expect(statuses.get('db')).toMatchObject({ owner: 'node2', epoch: status.epoch, version: status.version, phase: 'steady' });
  });

  it('gives a resource joining a group the group’s status and moves the group’s version on', async () => {
    // Prepare
    await init('--config', configFile);
    const status = await failDbOverToNode2();
    const config = readmeExample();
    config.resources.push({
      id: 'db-eip',
      group: 'db',
      mode: 'eip',
      allocationId: 'eipalloc-0def5678',
      members: [
        { node: 'node1', eni: 'eni-0ccc3333', priority: 1 },
        { node: 'node2', eni: 'eni-0ddd4444', priority: 10 },
      ],
    });
    writeConfig(config);

    // Act
    const result = await init('--config', configFile);

    // Assess
    expect(result.stdout).toContain(`+ resource db-eip (joins group db: takes its status (owner node2, epoch ${status.epoch}))`);
    const items = await Promise.all(['db-vip', 'db-eip'].map(storedItem));
    expect(items.map((i) => [i?.owner, i?.epoch, i?.version])).toEqual([
      ['node2', status.epoch, status.version + 1],
      ['node2', status.epoch, status.version + 1],
    ]);
    // A reconciler that read the old membership must re-read rather than leave db-eip behind.
    const store = new DynamoStateStore(documents, cluster);
    const fence = { holder: 'loop-a', token: 1 };
    const oldDb = { id: 'db', resourceIds: ['db-vip'], nodesByPriority: ['node1', 'node2'], switchback: 'intelligent' as const, fencing: 'none' as const, switchbackDwellSeconds: 60 };
    expect(await store.commitStatus(oldDb, { ...status, version: status.version + 1 }, fence)).toBe('conflict');
  });

  it('starts a fresh status for a resource moved into a new group', async () => {
    // Prepare
    await init('--config', configFile);
    await failDbOverToNode2();
    const config = readmeExample();
    config.resources[0]!.group = 'database';

    // Act
    const result = await applySpec(client, config, { writer: 'test' });

    // Assess
    expect(result.changes).toContainEqual(expect.objectContaining({ item: { kind: 'resource', id: 'db-vip' }, note: 'group database starts with a fresh status' }));
    expect(await storedItem('db-vip')).not.toHaveProperty('owner');
    expect((await new DynamoStateStore(documents, cluster).read()).statuses.size).toBe(0);
  });

  it('keeps and reports a resource left out of the config, and deletes it only with --prune', async () => {
    // Prepare
    await init('--config', configFile);
    const config = readmeExample();
    config.resources = config.resources.filter((r) => r.id !== 'web-eip');
    writeConfig(config);

    // Act
    const kept = await init('--config', configFile);
    const webAfterKeep = await storedItem('web-eip');
    const pruned = await init('--config', configFile, '--prune');

    // Assess
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('- resource web-eip (not in the config; kept: apply with --prune to delete it)');
    expect(webAfterKeep).toBeDefined();
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('- resource web-eip (deleted)');
    expect(await storedItem('web-eip')).toBeUndefined();
  });

  it('refuses to keep a left-out resource that no longer fits the config', async () => {
    // Prepare
    await init('--config', configFile);
    const config = readmeExample();
    config.nodes = config.nodes.filter((n) => n.id !== 'node2');
    config.resources = config.resources.filter((r) => r.id !== 'web-eip');
    config.resources[0]!.members = config.resources[0]!.members.filter((m) => m.node === 'node1');
    writeConfig(config);

    // Act
    const result = await init('--config', configFile);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^EC2F-A003 /);
    expect(result.stderr).toContain('web-eip');
    expect(result.stderr).toContain('unknown node "node2"');
    expect((await storedItems()).find((i) => i.pk === 'cluster')?.spec).toMatchObject({ nodes: [{ id: 'node1' }, { id: 'node2' }] });
  });
});
