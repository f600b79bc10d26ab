import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../../src/cli/main';

/* Offline `validate`: the example passes; each dangerous config is refused with its code and path. */

const folder = mkdtempSync(join(tmpdir(), 'ec2f-validate-'));
const example = () => parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'));

async function validate(mutate: (config: any) => void, extra: string[] = []) {
  const config = example();
  mutate(config);
  const path = join(folder, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, stringify(config));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['validate', '--config', path, ...extra], { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
  return { code, out: out.join(''), err: err.join('') };
}

describe('ec2-failover validate', () => {
  it('accepts the example and summarises it, as JSON too', async () => {
    // Act
    const result = await validate(() => undefined, ['--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ valid: true, cluster: 'prod-db', groups: [{ group: 'db', nodesByPriority: ['node1', 'node2'] }, { group: 'web-eip' }] });
  });

  it.each([
    ['the same ENI twice in a resource', (c: any) => (c.resources[0].members[1].eni = c.resources[0].members[0].eni), /EC2F-C017 resources\[0\]\.members\[1\]\.eni: eni-01234567 is already the ENI of node "node1"/],
    ['a heartbeat every millisecond', (c: any) => (c.defaults.heartbeat.intervalSeconds = 0.001), /EC2F-C018 defaults\.heartbeat\.intervalSeconds: 0\.001 is outside the sane range 0\.05 to 60/],
    ['a heartbeat a day', (c: any) => (c.defaults.heartbeat.intervalSeconds = 100000), /EC2F-C018 defaults\.heartbeat\.intervalSeconds: 100000 is outside/],
    ['one missed beat', (c: any) => (c.defaults.heartbeat.missedBeats = 1), /EC2F-C018 defaults\.heartbeat\.missedBeats: 1 is outside the sane range 2 to 100/],
    ['an API call longer than the action it belongs to', (c: any) => Object.assign(c.defaults.tunables, { apiCallTimeoutSeconds: 50, restoreTimeoutSeconds: 30 }), /EC2F-C019 defaults\.tunables\.apiCallTimeoutSeconds: one API call may take 50s but restoreTimeoutSeconds bounds/],
    ['an API call timeout of 1000 s', (c: any) => (c.defaults.tunables.apiCallTimeoutSeconds = 1000), /EC2F-C018 defaults\.tunables\.apiCallTimeoutSeconds: 1000 is outside/],
    ['the instance metadata address', (c: any) => (c.resources[0].destination = '169.254.169.254/32'), /EC2F-C020 resources\[0\]\.destination: 169\.254\.169\.254\/32 lies in 169\.254\.0\.0\/16, link-local/],
    ['a loopback address', (c: any) => (c.resources[0].destination = '127.0.0.1/32'), /EC2F-C020 resources\[0\]\.destination: 127\.0\.0\.1\/32 lies in 127\.0\.0\.0\/8, loopback/],
    ['a multicast address', (c: any) => (c.resources[0].destination = '224.0.0.5/32'), /EC2F-C020 .*multicast/],
    ['the broadcast address', (c: any) => (c.resources[0].destination = '255.255.255.255/32'), /EC2F-C020 .*255\.255\.255\.255\/32 lies in 240\.0\.0\.0\/4/],
    ['an address inside the VPC CIDR', (c: any) => (c.resources[0].destination = '10.0.3.3/32'), /EC2F-C005 resources\[0\]\.destination/],
  ])('refuses %s', async (_label, mutate, message) => {
    // Act
    const result = await validate(mutate);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });
});
