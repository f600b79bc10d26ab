import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { editStoredResources } from '../../../src/apply/spec-edit';
import { main } from '../../../src/cli/main';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { ResourceItemKey, resourcesTableName } from '../../../src/names';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

/* `resource set` against DynamoDB Local: a valid edit is written with the version check and recorded with who; anything else changes nothing. */

let configPath: string;
let cluster: string;
let documents: DynamoDBDocumentClient;

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}
const set = (...argv: string[]) => run('resource', 'set', ...argv, '--config', configPath);
const stored = async (id: string) => JSON.parse((await run('resource', 'show', id, '--json', '--config', configPath)).out) as { spec: Record<string, any>; lastWriter: string };
const history = async () => JSON.parse((await run('history', '--config', configPath, '--group', 'db', '--json')).out) as { message: string; by: string; details?: Record<string, unknown> }[];

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // No STS here: who made a change is the local user.
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
  });
  const folder = mkdtempSync(join(tmpdir(), 'ec2f-set-'));
  cluster = uniqueTableName('set');
  const config = { ...parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8')), cluster };
  // One group of two resources (the virtual IP and the Elastic IP), as the local demo has.
  Object.assign(config.resources[1], { group: 'db' });
  delete config.resources[1].switchback;
  configPath = join(folder, 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
  expect((await run('apply', '--config', configPath)).code).toBe(0);
  documents = DynamoDBDocumentClient.from(testDynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } });
});

describe('ec2-failover resource set', () => {
  it('writes the settings, shows them as a diff in JSON, and records them in the history with who', async () => {
    // Act
    const result = await set('db-vip', 'vpcCidr=', 'routeTables=tag:ha=db', '--json');
    const after = await stored('db-vip');
    const [entry] = await history();

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({
      group: 'db',
      by: expect.stringMatching(/^\S+@\S+$/),
      dryRun: false,
      changed: true,
      resources: [
        {
          resource: 'db-vip',
          fields: [
            { path: 'routeTables', before: 'all', after: { tag: { ha: 'db' } } },
            { path: 'vpcCidr', before: '10.0.0.0/16' },
          ],
        },
      ],
    });
    expect(after.spec).not.toHaveProperty('vpcCidr');
    expect(after.spec.routeTables).toEqual({ tag: { ha: 'db' } });
    expect(after.lastWriter).toMatch(/^cli:\S+@\S+$/);
    expect(entry!.message).toMatch(/^resource db-vip: set vpcCidr= routeTables=tag:ha=db by \S+@\S+$/);
    expect(entry!.details).toMatchObject({ edit: 'set', settings: ['vpcCidr=', 'routeTables=tag:ha=db'] });
  });

  it('--dry-run shows the diff and writes nothing, not even history', async () => {
    // Prepare
    const before = await stored('db-vip');
    const entries = (await history()).length;

    // Act
    const result = await set('db-vip', 'destination=10.1.0.11/32', '--dry-run');

    // Assess
    expect(result).toMatchObject({ code: 0, out: '~ resource db-vip: destination 10.1.0.10/32 → 10.1.0.11/32\ndry run: nothing written\n' });
    expect(await stored('db-vip')).toEqual(before);
    expect(await history()).toHaveLength(entries);
  });

  it('a group-wide setting on one resource is refused with the way to set it on the group; --whole-group sets both in one transaction', async () => {
    // Prepare
    const before = await stored('db-vip');

    // Act
    const alone = await set('db-vip', 'switchback=automatic');
    const unchanged = await stored('db-vip');
    const whole = await set('db-vip', 'switchback=automatic', 'priority.node2=5', '--whole-group');
    const [vip, eip] = [await stored('db-vip'), await stored('web-eip')];
    const entries = await history();

    // Assess
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/EC2F-C014 resources\[\d\]: .*; add --whole-group to set it on every resource of group "db"/);
    expect(unchanged).toEqual(before);
    expect(whole).toMatchObject({
      code: 0,
      out: '~ resource db-vip: members[1].priority 10 → 5, switchback (none) → automatic\n~ resource web-eip: members[1].priority 10 → 5, switchback (none) → automatic\n',
    });
    expect([vip.spec.switchback, eip.spec.switchback, vip.spec.members[1].priority, eip.spec.members[1].priority]).toEqual(['automatic', 'automatic', 5, 5]);
    expect(entries.slice(0, 2).map((e) => e.message.replace(/ by \S+$/, '')).sort()).toEqual([
      'resource db-vip: set switchback=automatic priority.node2=5',
      'resource web-eip: set switchback=automatic priority.node2=5',
    ]);
  });

  it.each([
    ['a cluster-wide tunable', ['db-vip', 'maxRetry=5'], /^EC2F-U001 "maxRetry=5": maxRetry is set for the whole cluster \(defaults\.tunables\.maxRetry\), not per resource; change it in the config file and run apply\n/],
    ['an unknown key', ['db-vip', 'colour=red'], /^EC2F-U001 unknown setting "colour=red"; keys: switchback \(intelligent\|automatic/],
    ['a value the file would refuse', ['db-vip', 'switchback=sometimes'], /EC2F-C016 resources\[\d\]\.switchback: .*"intelligent"\|"automatic" \(from "switchback=sometimes"\)/],
    ['a priority another member has', ['db-vip', 'priority.node2=1', '--whole-group'], /EC2F-C007 .*\(from "priority\.node2=1"\)/],
    ['a key of the other mode', ['web-eip', 'destination=10.1.0.12/32', '--whole-group'], /EC2F-C002 resources\[\d\]\.destination: unknown key "destination"/],
    ['a member it lacks', ['db-vip', 'eni.node9=eni-0ddd4444'], /^EC2F-U001 "eni\.node9=eni-0ddd4444": resource "db-vip" has no member "node9"; members: node1, node2/],
    ['an unknown resource', ['nope', 'switchback=automatic'], /^EC2F-U001 cluster "set-\w+" has no resource "nope"; resources: /],
  ])('refuses %s and changes nothing', async (_label, argv, message) => {
    // Prepare
    const before = [await stored('db-vip'), await stored('web-eip')];
    const entries = (await history()).length;

    // Act
    const result = await set(...argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect([await stored('db-vip'), await stored('web-eip')]).toEqual(before);
    expect(await history()).toHaveLength(entries);
  });

  it.each([
    ['one resource', ['db-vip'], UpdateCommand],
    ['a whole group', ['db-vip', 'web-eip'], TransactWriteCommand],
  ])('an edit of %s that lost a race against another writer is refused (EC2F-A002) and leaves the other writer\'s spec', async (_label, ids, command) => {
    // Prepare: another writer changes db-vip between the edit's read and its write.
    const other = { ...(await stored('db-vip')).spec, destination: '10.1.0.99/32' };
    let raced = false;
    const racing = {
      send: async (cmd: unknown) => {
        if (cmd instanceof command && !raced) {
          raced = true;
          await documents.send(new UpdateCommand({ TableName: resourcesTableName(cluster), Key: { pk: ResourceItemKey.resource('db-vip') }, UpdateExpression: 'SET #s = :s, #h = :h', ExpressionAttributeNames: { '#s': 'spec', '#h': 'specHash' }, ExpressionAttributeValues: { ':s': other, ':h': `other-${ids.length}` } }));
        }
        return documents.send(cmd as never);
      },
    } as unknown as DynamoDBDocumentClient;

    // Act
    const edit = editStoredResources(racing, cluster, ids, (spec) => (spec.mode === 'route' ? { ...spec, destination: '10.1.0.12/32' } : { ...spec, allocationId: 'eipalloc-0abc9999' }), 'cli:test');

    // Assess
    await expect(edit).rejects.toMatchObject({ code: 'EC2F-A002' });
    expect((await stored('db-vip')).spec).toEqual(other);
    expect((await stored('web-eip')).spec.allocationId).toBe('eipalloc-0abc1234');
  });
});
