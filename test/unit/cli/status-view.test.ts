import { describe, expect, it } from 'vitest';
import type { Verdicts } from '../../../src/aws/dynamodb/verdict-store';
import { statusView, transitionsBetween, type StatusInput } from '../../../src/cli/status-view';
import { readingOf } from '../../../src/cli/verdicts';
import { initialStatus, type CloudObservation, type GroupStatus, type RouteEntry } from '../../../src/core/model';
import { clusterSpec } from '../../fixtures/specs';

/* What status shows, from what it read: serving or why not, verdicts, each target marked. */

const NOW = 5_000_000;
const spec = clusterSpec({ nodes: 3 });
const ENI = { node1: 'eni-01100000', node2: 'eni-01200000', eip1: 'eni-02100000', eip2: 'eni-02200000' };

const route = (eni: string, state: RouteEntry['state'] = 'active'): RouteEntry => ({ destination: '10.1.0.10/32', networkInterfaceId: eni, state });
function observation(routes: RouteEntry[], eipEni: string | undefined = ENI.eip1): CloudObservation {
  return {
    at: NOW,
    routeTables: { 'vpc-0abc1234': { ok: true, value: routes.map((r, i) => ({ routeTableId: `rtb-0000000${i}`, vpcId: 'vpc-0abc1234', tags: {}, routes: [r] })) } },
    addresses: { ok: true, value: { 'eipalloc-0abc1234': { allocationId: 'eipalloc-0abc1234', exists: true, networkInterfaceId: eipEni, publicIp: '198.51.100.7' } } },
    instances: { ok: true, value: { 'i-00000000000000001': 'running', 'i-00000000000000002': 'stopped', 'i-00000000000000003': 'running' } },
  };
}
const verdicts: Verdicts = {
  at: NOW - 400,
  holder: 'loop-a',
  nodes: {
    node1: { state: 'healthy', reason: 'heartbeat advancing', healthySince: NOW - 60_000 },
    node2: { state: 'failed', reason: 'instance is stopped' },
    node3: { state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' },
  },
  groups: { app: { findings: [{ code: 'EC2F-R006', severity: 'error', message: 'no selected route table holds a route' }] } },
};
const steady = (extra: Partial<GroupStatus> = {}): GroupStatus => ({ ...initialStatus('app'), owner: 'node1', epoch: 3, version: 7, ...extra });

function view(extra: Partial<StatusInput> = {}) {
  return statusView({
    spec,
    region: 'us-east-1',
    statuses: new Map([['app', steady()]]),
    verdicts: readingOf(verdicts, spec, NOW),
    heartbeats: [{ instanceId: 'i-00000000000000001', seq: 42, sentAt: NOW - 300, leaving: false, checks: [{ name: 'db', ok: false, required: false }] }],
    observation: observation([route(ENI.node1), route(ENI.node1)]),
    now: NOW,
    ...extra,
  });
}

describe('statusView', () => {
  it('serves when the owner is healthy and every route and the Elastic IP is on it; names members that could not take over', () => {
    // Act
    const v = view();

    // Assess
    expect(v.groups[0]).toMatchObject({ owner: 'node1', epoch: 3, phase: 'steady', serving: 'yes' });
    expect(v.groups[0]!.notes).toEqual(['EC2F-R006 no selected route table holds a route']);
    expect(v.groups[0]!.ineligible).toEqual([
      { node: 'node2', state: 'failed', reason: 'instance is stopped' },
      { node: 'node3', state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' },
    ]);
    expect(v.nodes[0]).toMatchObject({ node: 'node1', verdict: { state: 'healthy' }, instanceState: 'running', heartbeat: { seq: 42, ageSeconds: 0.3, failingChecks: ['db'] } });
    expect(v.nodes[1]).toMatchObject({ verdict: { state: 'failed', reason: 'instance is stopped' }, instanceState: 'stopped' });
    expect(v.resources[1]).toMatchObject({ address: 'eipalloc-0abc1234 (198.51.100.7)', association: { node: 'node1', mark: 'ok' } });
    expect(v.verdicts).toEqual({ state: 'fresh', ageSeconds: 0.4, holder: 'loop-a' });
  });

  it('marks drift, blackholes and a listed table without the route, and does not serve then', () => {
    // Prepare
    const listed = clusterSpec({ nodes: 3, routeTables: ['rtb-00000000', 'rtb-00000001', 'rtb-0000000f'] });

    // Act
    const v = view({ spec: listed, observation: observation([route(ENI.node2), route(ENI.node1, 'blackhole')], ENI.eip2) });

    // Assess
    expect(v.resources[0]!.routes).toEqual([
      { routeTableId: 'rtb-00000000', target: ENI.node2, targetNode: 'node2', mark: 'drift' },
      { routeTableId: 'rtb-00000001', target: ENI.node1, targetNode: 'node1', mark: 'blackhole' },
      { routeTableId: 'rtb-0000000f', mark: 'missing' },
    ]);
    expect(v.resources[1]!.association).toMatchObject({ node: 'node2', mark: 'drift' });
    expect(v.groups[0]!.serving).toBe('no');
    expect(v.groups[0]!.notes[0]).toMatch(/^not on node1: rtb-00000000 10\.1\.0\.10\/32 drift \(→ eni-01200000\); rtb-00000001 10\.1\.0\.10\/32 blackhole .*; rtb-0000000f 10\.1\.0\.10\/32 missing; eipalloc-0abc1234 \(198\.51\.100\.7\) drift \(on eni-02200000\)$/);
  });

  it.each([
    ['no owner yet', { statuses: new Map() }, 'no', /^no owner yet$/],
    ['a failover under way', { statuses: new Map([['app', steady({ phase: 'failing-over', lastTransition: { at: NOW - 1000, from: 'node2', to: 'node1', reason: 'failover', epoch: 3, detail: '' } })]]) }, 'no', /^failing over to node1 since .* \(failover\)$/],
    ['a failed owner', { verdicts: readingOf({ ...verdicts, nodes: { ...verdicts.nodes, node1: { state: 'failed', reason: 'node is leaving (graceful stop)' } } }, spec, NOW) }, 'no', /^owner node1 failed: node is leaving/],
    ['no verdict', { verdicts: readingOf(undefined, spec, NOW) }, 'unknown', /^owner node1's health unknown: no verdict recorded/],
    ['a stale verdict', { verdicts: readingOf(verdicts, spec, NOW + 60_000) }, 'unknown', /^owner node1's health unknown: the last verdict is stale/],
    ['EC2 unreadable', { observation: { ...observation([]), addresses: { ok: false as const, reason: 'EC2F-E008 throttled' } } }, 'unknown', /EC2 state unknown for eip \(EC2F-E008 throttled\)/],
  ])('tells why it does not serve: %s', (_label, extra, serving, why) => {
    // Act
    const v = view(extra as Partial<StatusInput>);

    // Assess
    expect(v.groups[0]!.serving).toBe(serving);
    expect(v.groups[0]!.notes.some((n) => (why as RegExp).test(n))).toBe(true);
  });

  it('marks no target right or wrong while the group has no owner', () => {
    // Act
    const v = view({ statuses: new Map() });

    // Assess
    expect(v.resources[0]!.routes!.map((r) => r.mark)).toEqual(['unowned', 'unowned']);
    expect(v.resources[1]!.association!.mark).toBe('unowned');
  });

  it('names maintenance and excluded members', () => {
    // Act
    const v = view({ statuses: new Map([['app', steady({ maintenance: true, excluded: ['node3'] })]]) });

    // Assess
    expect(v.groups[0]!.notes).toContain('MAINTENANCE: observe only, no repair, no failover');
    expect(v.groups[0]!.excluded).toEqual([{ node: 'node3', why: expect.stringMatching(/^excluded after repeated terminal repair failures/) }]);
  });
});

describe('transitionsBetween', () => {
  it('prints one line per change of owner, phase, serving, verdict, instance state and target', () => {
    // Prepare
    const before = view();
    const after = view({
      statuses: new Map([['app', steady({ owner: 'node3', epoch: 4, phase: 'failing-over', lastTransition: { at: NOW, from: 'node1', to: 'node3', reason: 'failover', epoch: 4, detail: '' } })]]),
      verdicts: readingOf({ ...verdicts, nodes: { ...verdicts.nodes, node1: { state: 'failed', reason: 'instance is stopped' } } }, spec, NOW),
      observation: observation([route('eni-01300000'), route(ENI.node1)]),
    });

    // Act
    const lines = transitionsBetween(before, after);

    // Assess
    expect(lines).toEqual([
      'group app: owner node1 → node3 (epoch 4, failover)',
      'group app: phase steady → failing-over',
      expect.stringMatching(/^group app: serving yes → no \(failing over to node3/),
      'node node1: healthy → failed (instance is stopped)',
      'resource vip: rtb-00000000 10.1.0.10/32 → node3 (ok)',
      'resource vip: rtb-00000001 10.1.0.10/32 → node1 (drift)',
      'resource eip: eipalloc-0abc1234 (198.51.100.7) → node1 (drift)',
    ]);
  });
});
