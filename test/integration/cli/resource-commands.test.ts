import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DynamoLeaseStore } from '../../../src/aws/dynamodb/lease-store';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { main } from '../../../src/cli/main';
import { initialStatus } from '../../../src/core/model';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

/* The resource commands against DynamoDB Local: each changes the live spec as the file would, or changes nothing. */

let folder: string;
let configPath: string;
let cluster: string;
let state: DynamoStateStore;

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}
const resource = (...argv: string[]) => run('resource', ...argv, '--config', configPath);
const stored = async (id: string) => JSON.parse((await resource('show', id, '--json')).out);

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // No STS here: who made a change is the local user.
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
  });
  folder = mkdtempSync(join(tmpdir(), 'ec2f-resource-'));
  cluster = uniqueTableName('res');
  const config = { ...parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8')), cluster };
  config.nodes.push({ id: 'node3', instanceId: 'i-0aaaaaaaaaaaaaaa3' });
  configPath = join(folder, 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
  expect((await run('apply', '--config', configPath)).code).toBe(0);
  const documents = DynamoDBDocumentClient.from(testDynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } });
  state = new DynamoStateStore(documents, cluster);
  // Group db is owned by node1, as a reconciler would have it.
  const acquired = await new DynamoLeaseStore(documents, cluster).acquire('res-test', 60_000, Date.now());
  if (!acquired.acquired) throw new Error('no lease');
  const db = (await state.read()).spec.groups.find((g) => g.id === 'db')!;
  await state.commitStatus(db, { ...initialStatus('db'), owner: 'node1', epoch: 1, version: 1 }, acquired.fence);
});

describe('ec2-failover resource', () => {
  it('show prints the stored spec, the owner and who wrote it last', async () => {
    // Act
    const text = await resource('show', 'db-vip');
    const json = await stored('db-vip');

    // Assess
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^resource db-vip \(group db, owner node1, epoch 1\)/);
    expect(text.out).toContain('    node1  eni-01234567  priority 1  (owner)');
    expect(json).toMatchObject({ resource: 'db-vip', group: 'db', owner: 'node1', editedSinceApply: false, spec: { destination: '10.1.0.10/32' } });
  });

  it('extend adds a member, set changes settings, unextend removes it again; each in the history with who', async () => {
    // Act
    const extended = await resource('extend', 'db-vip', '--node', 'node3', '--eni', 'eni-0ccc3333', '--priority', '20');
    const afterExtend = await stored('db-vip');
    const set = await resource('set', 'db-vip', 'priority.node3=5', 'switchback=automatic');
    const afterSet = await stored('db-vip');
    const unextended = await resource('unextend', 'db-vip', '--node', 'node3');
    const history = JSON.parse((await run('history', '--config', configPath, '--group', 'db', '--json')).out) as { message: string; by: string }[];

    // Assess
    expect(extended).toMatchObject({ code: 0, out: '~ resource db-vip: members[2] (none) → {"node":"node3","eni":"eni-0ccc3333","priority":20}\n' });
    expect(afterExtend.editedSinceApply).toBe(true);
    expect(afterExtend.lastWriter).toBe(`cli:${userInfo().username}@${require('node:os').hostname()}`);
    expect(set.out).toBe('~ resource db-vip: members[2].priority 20 → 5, switchback (none) → automatic\n');
    expect(afterSet.spec).toMatchObject({ switchback: 'automatic', members: [{ node: 'node1' }, { node: 'node2' }, { node: 'node3', priority: 5 }] });
    expect(unextended.code).toBe(0);
    expect((await stored('db-vip')).spec.members.map((m: { node: string }) => m.node)).toEqual(['node1', 'node2']);
    expect(history.map((h) => h.message).slice(0, 3)).toEqual([
      expect.stringMatching(/^resource db-vip: unextended from node3 by \S+@\S+$/),
      expect.stringMatching(/^resource db-vip: set priority\.node3=5 switchback=automatic by /),
      expect.stringMatching(/^resource db-vip: extended to node3 \(eni-0ccc3333, priority 20\) by /),
    ]);
    expect(history[0]!.by).toMatch(/^\S+@\S+$/);
  });

  it.each([
    ['unextend of the owner', ['unextend', 'db-vip', '--node', 'node1'], 4, /^EC2F-U003 "node1" owns group "db" of resource "db-vip"; switch the group over/],
    ['a priority out of range', ['set', 'db-vip', 'priority.node2=0'], 2, /EC2F-C006 resources\[0\]\.members\[1\]\.priority/],
    ['a priority another member has', ['set', 'db-vip', 'priority.node2=1'], 2, /EC2F-C007 /],
    ['an unknown setting', ['set', 'db-vip', 'colour=red'], 2, /^EC2F-U001 unknown setting "colour=red"/],
    ['an undeclared node', ['extend', 'db-vip', '--node', 'node9', '--eni', 'eni-0ddd4444', '--priority', '30'], 2, /EC2F-C008 .*unknown node "node9"/],
    ['the same ENI as another member', ['extend', 'db-vip', '--node', 'node3', '--eni', 'eni-01234567', '--priority', '30'], 2, /EC2F-C017 /],
    ['an unknown resource', ['extend', 'nope', '--node', 'node3', '--eni', 'eni-0ddd4444', '--priority', '30'], 2, /EC2F-C008 .*no resource "nope"/],
    ['a repeated --node', ['unextend', 'db-vip', '--node', 'node2', '--node', 'node3'], 2, /^EC2F-U001 --node "node3": given more than once/],
  ])('refuses %s and changes nothing', async (_label, argv, code, message) => {
    // Prepare
    const before = await stored('db-vip');

    // Act
    const result = await resource(...(argv as string[]));

    // Assess
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message as RegExp);
    expect(await stored('db-vip')).toEqual(before);
  });

  it('create adds a resource from flags or from a file fragment, delete removes it; apply then names the edits', async () => {
    // Prepare
    const fragment = join(folder, 'eip.yaml');
    writeFileSync(fragment, stringify({ id: 'api-eip', mode: 'eip', allocationId: 'eipalloc-0ddd4444', members: [{ node: 'node2', eni: 'eni-0eee5555', priority: 1 }, { node: 'node3', eni: 'eni-0fff6666', priority: 2 }] }));

    // Act
    const fromFlags = await resource('create', 'app-vip', '--mode', 'route', '--vpc-id', 'vpc-0abc1234', '--destination', '10.1.0.20/32', '--member', 'node1=eni-0aaa1111:1', '--member', 'node2=eni-0bbb2222:2');
    const fromFile = await resource('create', '--file', fragment);
    const duplicate = await resource('create', '--file', fragment);
    const shown = await stored('app-vip');
    const deleted = await resource('delete', 'app-vip');
    const gone = await resource('show', 'app-vip');
    const apply = await run('apply', '--config', configPath);

    // Assess
    expect(fromFlags).toMatchObject({ code: 0, out: '+ resource app-vip (group app-vip)\n' });
    expect(fromFile).toMatchObject({ code: 0, out: '+ resource api-eip (group api-eip)\n' });
    expect(duplicate.code).toBe(2);
    expect(duplicate.err).toMatch(/EC2F-C015 id: cluster "res-\w+" already has a resource "api-eip"/);
    expect(shown.spec).toEqual({ id: 'app-vip', mode: 'route', vpcId: 'vpc-0abc1234', destination: '10.1.0.20/32', routeTables: 'all', members: [{ node: 'node1', eni: 'eni-0aaa1111', priority: 1 }, { node: 'node2', eni: 'eni-0bbb2222', priority: 2 }] });
    expect(deleted.code).toBe(0);
    expect(gone.code).toBe(2);
    expect(apply.code).toBe(3);
    expect(apply.err).toMatch(/^EC2F-A001 .*resource db-vip \(edited by cli:/s);
  });
});
