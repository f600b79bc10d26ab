import { describe, expect, it } from 'vitest';
import type { Verdicts } from '../../../src/aws/dynamodb/verdict-store';
import { checkSwitchover } from '../../../src/cli/request-precheck';
import { readingOf } from '../../../src/cli/verdicts';
import { initialStatus, type GroupStatus } from '../../../src/core/model';
import { clusterSpec } from '../../fixtures/specs';

/* What the reconciler would refuse, refused before anything is recorded. */

const spec = clusterSpec({ nodes: 3 });
const group = spec.groups[0]!;
const NOW = 1_000_000;
const status = (extra: Partial<GroupStatus> = {}): GroupStatus => ({ ...initialStatus('app'), owner: 'node1', epoch: 1, version: 2, ...extra });
const verdicts = (states: Record<string, 'healthy' | 'failed' | 'unknown'>, at = NOW - 500): Verdicts => ({
  at,
  holder: 'loop',
  nodes: Object.fromEntries(Object.entries(states).map(([node, state]) => [node, { state, reason: state === 'failed' ? 'instance is stopped' : 'heartbeat advancing' }])),
  groups: {},
});

function check(to: string, options: { status?: GroupStatus; verdicts?: Verdicts; clearExclusion?: boolean } = {}) {
  return checkSwitchover({
    spec,
    group,
    status: options.status ?? status(),
    to,
    verdicts: readingOf(options.verdicts, spec, NOW),
    clearExclusion: options.clearExclusion ?? false,
  });
}

describe('checkSwitchover', () => {
  it('lets a switchover to a healthy member through', () => {
    // Act, Assess
    expect(check('node2', { verdicts: verdicts({ node1: 'healthy', node2: 'healthy' }) })).toEqual({ outcome: 'record' });
  });

  it.each([
    ['an unknown node', 'node9', {}, /^EC2F-U001 unknown node "node9"/],
    ['a member the reconciler judged failed', 'node2', { verdicts: verdicts({ node2: 'failed' }) }, /^EC2F-U003 "node2" is failed \(instance is stopped\) by the reconciler's verdict 0\.5s ago/],
    ['a member the reconciler has not judged healthy', 'node3', { verdicts: verdicts({ node3: 'unknown' }) }, /^EC2F-U003 "node3" is unknown/],
    ['a member missing from the verdict', 'node3', { verdicts: verdicts({ node1: 'healthy' }) }, /^EC2F-U003 "node3" is unknown \(not judged yet\)/],
    ['a group in maintenance', 'node2', { status: status({ maintenance: true }), verdicts: verdicts({ node2: 'healthy' }) }, /^EC2F-U003 group "app" is in maintenance/],
    ['an excluded member', 'node2', { status: status({ excluded: ['node2'] }), verdicts: verdicts({ node2: 'healthy' }) }, /^EC2F-U003 "node2" is excluded from group "app" after repeated terminal repair failures; .*--clear-exclusion/],
  ])('refuses %s', (_label, to, options, message) => {
    // Act, Assess
    expect(() => check(to as string, options as never)).toThrow(message as RegExp);
  });

  it('lets the operator vouch for an excluded member', () => {
    // Act, Assess
    expect(check('node2', { status: status({ excluded: ['node2'] }), verdicts: verdicts({ node2: 'healthy' }), clearExclusion: true })).toEqual({ outcome: 'record' });
  });

  it('asks nothing of the current owner', () => {
    // Act, Assess
    expect(check('node1')).toEqual({ outcome: 'already-owner' });
  });

  it('judges nothing itself without a fresh verdict: records, with a warning', () => {
    // Act
    const none = check('node2');
    const stale = check('node2', { verdicts: verdicts({ node2: 'failed' }, NOW - 60_000) });

    // Assess
    expect(none).toEqual({ outcome: 'record', warning: expect.stringMatching(/^no verdict is recorded \(is a reconciler running\?\)/) });
    expect(stale).toEqual({ outcome: 'record', warning: expect.stringMatching(/^the last verdict is 60s old/) });
  });
});
