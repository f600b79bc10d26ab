import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../../src/cli/main';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

/* plan, apply (alias init) and export against DynamoDB Local: a config round-trips. */

let folder: string;
let cluster: string;
let configPath: string;
let config: Record<string, any>;

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

beforeAll(() => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = testDynamoDbEndpoint();
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  folder = mkdtempSync(join(tmpdir(), 'ec2f-lifecycle-'));
  cluster = uniqueTableName('life');
  config = { ...parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8')), cluster };
  configPath = join(folder, 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
});

afterAll(() => undefined);

describe('plan, apply, export', () => {
  it('plan shows what apply would create and creates nothing', async () => {
    // Act
    const plan = await run('plan', '--config', configPath);
    const json = JSON.parse((await run('plan', '--config', configPath, '--json')).out);

    // Assess
    expect(plan.code).toBe(0);
    expect(plan.out.split('\n')).toEqual([
      `would create tables ${cluster}-resources, ${cluster}-heartbeats, ${cluster}-history`,
      `+ cluster ${cluster}`,
      '+ resource db-vip',
      '+ resource web-eip',
      `plan: applying ${configPath} to cluster ${cluster} would make: 3 added, 0 changed, 0 deleted, 0 kept`,
      '',
    ]);
    expect(json).toMatchObject({ cluster, transactions: 0, changes: [{ change: 'added' }, { change: 'added' }, { change: 'added' }] });
    await expect(testDynamoDbClient().send(new DescribeTableCommand({ TableName: `${cluster}-resources` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('apply (and its alias init) applies; then plan shows a field change as a diff and changes nothing', async () => {
    // Prepare
    const applied = await run('apply', '--config', configPath, '--writer', 'apply:test');
    const again = await run('init', '--config', configPath);
    const edited = structuredClone(config);
    edited.resources[0].members[1].priority = 20;
    const editedPath = join(folder, 'edited.yaml');
    writeFileSync(editedPath, stringify(edited));

    // Act
    const plan = await run('plan', '--config', editedPath);
    const after = await run('plan', '--config', configPath);

    // Assess
    expect(applied.code).toBe(0);
    expect(applied.out).toContain(`applied ${configPath} to cluster ${cluster}: 3 added`);
    expect(again.out).toContain('= unchanged');
    expect(plan.out).toContain('~ resource db-vip: members[1].priority 10 → 20');
    expect(plan.out).toContain('would make: 0 added, 1 changed');
    expect(after.out).toContain('= unchanged');
    const history = JSON.parse((await run('history', '--config', configPath, '--group', 'db', '--json')).out) as { message: string; by: string }[];
    expect(history).toEqual([expect.objectContaining({ message: 'spec applied by test: + resource db-vip', by: 'test' })]);
  });

  it('export writes the live specs back as a config that validates and plans to nothing', async () => {
    // Prepare
    const exportedPath = join(folder, 'exported.yaml');

    // Act
    const written = await run('export', '--config', configPath, '--output', exportedPath);
    const byName = await run('export', '--cluster', cluster, '--json');
    const valid = await run('validate', '--config', exportedPath);
    const plan = await run('plan', '--config', exportedPath);

    // Assess
    expect(written).toMatchObject({ code: 0, out: `wrote cluster ${cluster}: 2 resource(s) to ${exportedPath}\n` });
    expect(readFileSync(exportedPath, 'utf8')).toMatch(new RegExp(`^# exported from cluster ${cluster} \\(us-east-1\\) at `));
    expect(JSON.parse(byName.out)).toMatchObject({ cluster, region: 'us-east-1', resources: [{ id: 'db-vip' }, { id: 'web-eip' }] });
    expect(valid.code).toBe(0);
    expect(plan.out).toContain('= unchanged');
  });

  it.each([
    [['export'], /^EC2F-U001 export needs exactly one of --config FILE/],
    [['export', '--cluster', 'no such'], /^EC2F-U001 --cluster "no such" is not a cluster name/],
    [['export', '--cluster', 'never-applied-x'], /^EC2F-D001 cluster "never-applied-x" is not initialized/],
  ])('export refuses %j', async (argv, message) => {
    // Act
    const result = await run(...argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
