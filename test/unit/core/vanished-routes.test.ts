import { describe, expect, it } from 'vitest';
import type { CloudObservation, RouteTableObservation } from '../../../src/core/model';
import { vanishedRoutes } from '../../../src/core/vanished-routes';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/* A protected route deleted by hand from a table that held it is a finding (EC2F-R014), and nothing else changes. */

const VIP = '10.1.0.10/32';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

function observed(tables: Record<string, string[]>, tags: Record<string, string> = {}): CloudObservation {
  const value: RouteTableObservation[] = Object.entries(tables).map(([routeTableId, destinations]) => ({
    routeTableId,
    vpcId: 'vpc-0abc1234',
    tags,
    routes: destinations.map((destination) => ({ destination, networkInterfaceId: 'eni-01234567', state: 'active' as const })),
  }));
  return { routeTables: { 'vpc-0abc1234': { ok: true, value } }, addresses: { ok: true, value: {} }, instances: { ok: true, value: {} } } as unknown as CloudObservation;
}

describe('vanishedRoutes', () => {
  it('reports each table seen holding the route that no longer does, naming the resource and the table, and nothing for a table that never held it', () => {
    // Prepare
    const spec = clusterSpec();
    const seen = new Map<string, Set<string>>();
    vanishedRoutes(spec, observed({ 'rtb-0000000a': [VIP], 'rtb-0000000b': [VIP] }), seen);

    // Act
    const findings = vanishedRoutes(spec, observed({ 'rtb-0000000b': [VIP], 'rtb-0000000c': ['10.1.0.20/32'] }), seen);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'EC2F-R014', severity: 'error', group: 'app', resource: spec.resources[0]!.id, routeTable: 'rtb-0000000a' });
    expect(findings[0]!.message).toContain('rtb-0000000a');
    expect(findings[0]!.message).toContain(VIP);
  });

  it('says nothing while the route tables are unknown, and nothing once the route is back', () => {
    // Prepare
    const spec = clusterSpec();
    const seen = new Map<string, Set<string>>();
    vanishedRoutes(spec, observed({ 'rtb-0000000a': [VIP] }), seen);
    const unknown = { ...observed({}), routeTables: { 'vpc-0abc1234': { ok: false, reason: 'RequestLimitExceeded' } } } as unknown as CloudObservation;

    // Act
    const whileUnknown = vanishedRoutes(spec, unknown, seen);
    const onceBack = vanishedRoutes(spec, observed({ 'rtb-0000000a': [VIP] }), seen);

    // Assess
    expect(whileUnknown).toEqual([]);
    expect(onceBack).toEqual([]);
  });

  it('forgets a table that still holds the route but left the selection (its tag changed)', () => {
    // Prepare
    const spec = clusterSpec({ routeTables: { tag: { vip: 'db' } } });
    const seen = new Map<string, Set<string>>();
    const tagged = (tag: string) => observed({ 'rtb-0000000a': [VIP] }, { vip: tag });
    vanishedRoutes(spec, tagged('db'), seen);

    // Act
    const findings = vanishedRoutes(spec, tagged('web'), seen);

    // Assess
    expect(findings).toEqual([]);
  });

  it('leaves tables listed by id to EC2F-R006', () => {
    // Prepare
    const spec = clusterSpec({ routeTables: ['rtb-0000000a', 'rtb-0000000b'] });
    const seen = new Map<string, Set<string>>();
    vanishedRoutes(spec, observed({ 'rtb-0000000a': [VIP], 'rtb-0000000b': [VIP] }), seen);

    // Act
    const findings = vanishedRoutes(spec, observed({ 'rtb-0000000b': [VIP] }), seen);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('a protected route deleted by hand (in-memory world)', () => {
  it('is logged once when it starts and once when it ends, is not recreated, and changes nothing else', async () => {
    // Prepare
    const { lines, logger } = recordingLogger();
    const world = new SimWorld(clusterSpec(), { logger });
    await world.run(3);
    const [deleted, kept] = [...world.cloud.tables.keys()].filter((id) => world.cloud.routeTarget(id, VIP) !== undefined);
    const statusBefore = world.state.statuses.get('app');
    const mutationsBefore = world.cloud.mutations.length;

    // Act
    world.cloud.tables.get(deleted!)!.routes.delete(VIP);
    await world.run(world.spec.defaults.driftCheckIntervalSeconds * 3);
    const whileMissing = lines.filter((l) => l.fields?.code === 'EC2F-R014');
    world.cloud.editRoute(deleted!, VIP, world.spec.resources[0]!.members[0]!.eni);
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 1);

    // Assess
    expect(whileMissing).toHaveLength(1);
    expect(whileMissing[0]).toMatchObject({ level: 'error', fields: { routeTable: deleted, group: 'app', resource: world.spec.resources[0]!.id } });
    expect(lines.filter((l) => l.fields?.code === 'EC2F-R014' && l.fields?.resolved === true)).toHaveLength(1);
    expect(world.cloud.mutations.slice(mutationsBefore).filter((m) => m.operation !== 'manual')).toEqual([]);
    expect(world.cloud.routeTarget(kept!, VIP)).toBe(world.spec.resources[0]!.members[0]!.eni);
    expect(world.state.statuses.get('app')).toMatchObject({ owner: statusBefore!.owner, epoch: statusBefore!.epoch, phase: 'steady' });
  });
});
