import { describe, expect, it } from 'vitest';
import { javaMajorVersion } from '../../../src/local/start/prerequisites';
import { parseStartFlags } from '../../../src/local/start/start-flags';
import { DEFAULT_PROFILE, FAST_PROFILE, profiledClusterConfig } from '../../../src/local/start/timing-profile';
import { demoClusterConfig } from '../../../src/local/seed-demo';

describe('javaMajorVersion', () => {
  it('reads both the modern and the 1.x version strings', () => {
    // Prepare
    const modern = 'openjdk version "17.0.9" 2023-10-17\nOpenJDK Runtime Environment';
    const old = 'java version "1.8.0_392"';

    // Act
    const majors = [javaMajorVersion(modern), javaMajorVersion(old), javaMajorVersion('bash: java: not found')];

    // Assess
    expect(majors).toEqual([17, 8, undefined]);
  });
});

describe('parseStartFlags', () => {
  it('takes --fast and --keep and refuses anything else', () => {
    // Act
    const flags = parseStartFlags(['--fast', '--keep']);

    // Assess
    expect(flags).toEqual({ fast: true, keep: true, help: false });
    expect(() => parseStartFlags(['--fats'])).toThrow(/unknown option --fats/);
  });
});

describe('profiledClusterConfig', () => {
  it('sets the heartbeat, tick and drift check of the profile and keeps the rest', () => {
    // Prepare
    const ids = {
      vpcId: 'vpc-1',
      subnetIds: ['subnet-1', 'subnet-2'],
      routeTableIds: ['rtb-1', 'rtb-2', 'rtb-3'],
      node1: { instanceId: 'i-1', eniId: 'eni-1', privateIp: '10.0.1.10', subnetId: 'subnet-1' },
      node2: { instanceId: 'i-2', eniId: 'eni-2', privateIp: '10.0.2.10', subnetId: 'subnet-2' },
      allocationId: 'eipalloc-1',
      publicIp: '203.0.113.1',
      associationId: 'eipassoc-1',
    } as const;
    const demo = demoClusterConfig(ids, 'us-east-1');

    // Act
    const fast = profiledClusterConfig(demo, 'demo', FAST_PROFILE);
    const defaults = profiledClusterConfig(demo, 'demo', DEFAULT_PROFILE);

    // Assess
    expect(fast.defaults).toMatchObject({ heartbeat: { intervalSeconds: 0.25, missedBeats: 3 }, checkIntervalSeconds: 0.25, driftCheckIntervalSeconds: 1, switchback: 'intelligent' });
    expect(defaults.defaults).toEqual(demo.defaults);
    expect(fast.resources).toBe(demo.resources);
  });
});
