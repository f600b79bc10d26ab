import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { applySpec } from '../../../src/apply/spec-apply';
import { version } from '../../../package.json';
import { CliProcess, killAllCliProcesses } from '../../support/cli-process';
import { REPO_ROOT } from '../../support/logged-process';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

/*
 * The `ec2-failover` command as an operator runs it: a process started through bin/ec2-failover.js
 * (the build while it is fresh, the sources otherwise), with credentials from a named profile of
 * the shared files, as `--profile` hands it to the SDK's own chain.
 */

let folder: string;
let configPath: string;
/** No keys in the environment: only the profile can supply them. */
let env: Record<string, string>;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'ec2f-cli-process-'));
  const config = parse(readFileSync(join(REPO_ROOT, 'examples', 'cluster.yaml'), 'utf8'));
  config.cluster = uniqueTableName('proc');
  configPath = join(folder, 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
  await applySpec(testDynamoDbClient(), config, { writer: 'test' });
  writeFileSync(join(folder, 'credentials'), '[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
  writeFileSync(join(folder, 'config'), '[profile ops]\nregion = us-east-1\n');
  env = {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
    AWS_CONFIG_FILE: join(folder, 'config'),
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
  };
});

afterAll(async () => {
  await killAllCliProcesses();
});

async function finish(args: string[]) {
  const proc = CliProcess.start(args, env);
  const exit = await proc.exited;
  return { code: exit.code, output: proc.raw.join('\n') };
}

describe('ec2-failover as a process', () => {
  it('answers --version and --help', async () => {
    // Act
    const [versionRun, helpRun] = await Promise.all([finish(['--version']), finish(['--help'])]);

    // Assess
    expect(versionRun).toEqual({ code: 0, output: version });
    expect(helpRun.code).toBe(0);
    expect(helpRun.output).toMatch(/^Usage: ec2-failover \[options\] \[command\]/);
  });

  it('reads DynamoDB with the credentials of the profile named by --profile, and fails without them', async () => {
    // Act
    const [withProfile, withoutProfile] = await Promise.all([
      finish(['history', '--config', configPath, '--profile', 'ops']),
      finish(['history', '--config', configPath, '--profile', 'absent']),
    ]);

    // Assess
    expect(withProfile).toEqual({ code: 0, output: 'no history yet' });
    expect(withoutProfile.code).toBe(1);
    expect(withoutProfile.output).toMatch(/^EC2F-D006 DynamoDB Scan .* failed: CredentialsProviderError: Could not load credentials/);
  });
});

describe('the CLI build', () => {
  it('builds split modules that run with the code cache they leave, listing only files it can compare with the sources', async () => {
    // Prepare
    const { buildCli, CLI_COMPILE_CACHE, CLI_ENTRY } = await import('../../../src/cli/build');
    const outdir = join(folder, 'dist-cli');
    // What bin/ec2-failover.js does with a fresh build.
    const launcher = join(folder, 'launch.js');
    writeFileSync(launcher, `require(${JSON.stringify(join(outdir, CLI_COMPILE_CACHE))}).installCompileCache(${JSON.stringify(outdir)});\nrequire(${JSON.stringify(join(outdir, CLI_ENTRY))});\n`);

    // Act
    const built = await buildCli(outdir);
    const inputs = JSON.parse(readFileSync(join(outdir, 'inputs.json'), 'utf8')) as string[];
    const runs = [];
    for (const label of ['first', 'cached']) {
      const run = CliProcess.spawnNode(`built --version (${label})`, [launcher, '--version'], env);
      runs.push([(await run.exited).code, run.raw.join('\n')]);
    }

    // Assess
    expect(built.files).toBeGreaterThan(10);
    expect(inputs).toEqual(expect.arrayContaining(['bin/ec2-failover.ts', 'src/cli/main.ts', 'src/cli/compile-cache.ts', 'package.json']));
    expect(inputs.filter((input) => !existsSync(join(REPO_ROOT, input)))).toEqual([]);
    expect(runs).toEqual([
      [0, version],
      [0, version],
    ]);
    expect(readdirSync(join(outdir, 'v8-cache'))).toContain(`${CLI_ENTRY}.${process.version}-${process.arch}.cache`);
  });
});
