import { describe, expect, it } from 'vitest';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/*
 * EC2 trouble never moves traffic by itself, never blinds the judgement, and never makes a
 * broken member a target: ENIs gone, permissions refused, EC2 hanging.
 */

async function settled(options: Parameters<typeof clusterSpec>[0] = {}) {
  const world = new SimWorld(clusterSpec(options));
  await world.run(3);
  for (const group of world.spec.groups) expect(world.ownerOf(group.id)).toBe('node1');
  return world;
}

const transitionsTo = (world: SimWorld) => world.state.history.filter((h) => h.kind === 'transition').map((h) => h.details?.to);

describe('broken members are never chosen', () => {
  it('goes straight to the member after the next-in-line one whose ENI was deleted, and says so before it matters', async () => {
    // Prepare: node2's VIP ENI is gone
    const world = await settled({ nodes: 3 });
    const node2Eni = world.spec.resources[0]!.members.find((m) => m.node === 'node2')!.eni;
    world.cloud.deleteEni(node2Eni);
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 1);
    const warned = world.reports.at(-1)!.findings.filter((f) => f.code === 'EC2F-R009').map((f) => f.node);

    // Act
    world.crash('node1');
    await world.run(4.5);

    // Assess
    expect(warned).toContain('node2');
    expect(world.ownerOf('app')).toBe('node3');
    expect(transitionsTo(world)).toEqual(['node1', 'node3']);
    expect(world.trafficOn('app', 'node3')).toBe(true);
  });

  it('skips as a target a member whose ENI is attached to another instance', async () => {
    // Prepare
    const world = await settled({ nodes: 3 });
    for (const resource of world.spec.resources) world.cloud.attachments.set(resource.members.find((m) => m.node === 'node2')!.eni, 'i-0badbadbadbadbad0');
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 1);

    // Act
    world.crash('node1');
    await world.run(4.5);

    // Assess
    expect(world.ownerOf('app')).toBe('node3');
  });
});

describe('authorization failures are the control plane’s fault, never the node’s', () => {
  it('keeps a healthy owner through 30 s of refused ReplaceRoute with a drifted route, and repairs it once allowed', async () => {
    // Prepare
    const world = await settled({ maxRetry: 3 });
    const owner = world.spec.resources[0]!.members[0]!.eni;
    world.cloud.denied.add('replace-route');
    world.cloud.editRoute('rtb-0abc1234a', '10.1.0.10/32', 'eni-0fffffff');

    // Act
    await world.run(30);
    const during = { owner: world.ownerOf('app'), epoch: world.state.statuses.get('app')?.epoch, route: world.cloud.routeTarget('rtb-0abc1234a', '10.1.0.10/32') };
    const findings = world.reports.at(-1)!.findings.map((f) => f.code);
    world.cloud.denied.delete('replace-route');
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 2);

    // Assess
    expect(during).toEqual({ owner: 'node1', epoch: 1, route: 'eni-0fffffff' });
    expect(world.reports.some((r) => r.findings.some((f) => f.code === 'EC2F-R010'))).toBe(true);
    expect(findings).not.toContain('EC2F-R001');
    expect(world.state.statuses.get('app')).toMatchObject({ owner: 'node1', epoch: 1, excluded: [] });
    expect(world.cloud.routeTarget('rtb-0abc1234a', '10.1.0.10/32')).toBe(owner);
  });
});

describe('judging and committing never wait for EC2', () => {
  it('commits the new owner within the usual seconds while EC2 hangs, and moves traffic once EC2 answers', async () => {
    // Prepare
    const world = await settled();

    // Act: EC2 stops answering, then node1 dies
    world.cloud.hang();
    world.crash('node1');
    await world.run(4.5);
    const committed = world.state.statuses.get('app');
    const trafficWhileHung = world.trafficOn('app', 'node2');
    world.cloud.answer();
    await world.run(2);

    // Assess
    expect(committed).toMatchObject({ owner: 'node2', epoch: 2, phase: 'failing-over' });
    expect(trafficWhileHung).toBe(false);
    expect(world.trafficOn('app', 'node2')).toBe(true);
    expect(world.state.statuses.get('app')?.phase).toBe('steady');
  });
});
