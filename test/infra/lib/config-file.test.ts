import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configPathFromContext, loadClusterConfigFile } from '../../../lib/config-file';
import { stackNameFor } from '../../../lib/stack';

/* The config file the CDK app deploys from: read, validated, refused with coded messages. */

const folder = mkdtempSync(join(tmpdir(), 'ec2f-config-file-'));

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('loadClusterConfigFile', () => {
  it('returns the document as written and the validated spec', () => {
    // Act
    const loaded = loadClusterConfigFile(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'));

    // Assess
    expect(loaded.spec.cluster).toBe('prod-db');
    expect(loaded.spec.groups.map((g) => g.id)).toEqual(['db', 'web-eip']);
    // Defaults stay unfilled in the document: the apply fills them the way init does.
    expect((loaded.document.resources[0] as { switchback?: string }).switchback).toBeUndefined();
  });

  it('refuses a bad config with the coded ConfigError message', () => {
    // Prepare
    const path = join(folder, 'bad.yaml');
    writeFileSync(path, 'cluster: prod-db\nregion: us-east-1\nnodes: []\nresources: []\n');

    // Act
    const load = () => loadClusterConfigFile(path);

    // Assess
    expect(load).toThrow(new RegExp(`^EC2F-C016 invalid ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\n`));
  });

  it('names an unreadable file and a missing -c config with their codes', () => {
    // Act
    const unreadable = () => loadClusterConfigFile(join(folder, 'absent.yaml'));
    const missing = () => configPathFromContext(undefined);

    // Assess
    expect(unreadable).toThrow(/^EC2F-K002 cannot read the cluster config .*absent\.yaml/);
    expect(missing).toThrow(/^EC2F-K001 no cluster config given; run e\.g\. "npx cdk deploy -c config=path\/to\/cluster\.yaml"/);
  });
});

describe('stackNameFor', () => {
  it('keeps only what CloudFormation allows in a stack name', () => {
    // Act, Assess
    expect(stackNameFor('prod.db_1')).toBe('ec2-failover-prod-db-1');
  });
});
