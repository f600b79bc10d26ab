import { describe, expect, it } from 'vitest';
import type { CloudObservation, InstanceState } from '../../../src/core/model';
import { newMemory, type ReconcileMemory } from '../../../src/core/reconcile';
import { effectiveInstanceStates, judge, type StoredWorld } from '../../../src/core/reconcile-world';
import { clusterSpec } from '../../fixtures/specs';

/*
 * How an instance event and the last EC2 observation are weighed: by when each happened. An event
 * carries EventBridge's whole-second time; it counts only when its second is later than the
 * second the observation started in.
 */

const NODE1_INSTANCE = 'i-00000000000000001';
/** The observation started 400 ms into this second. */
const OBSERVED_AT = Date.UTC(2026, 0, 1, 12, 0, 0, 400);
const SECOND = 1000;
const observedSecond = Math.floor(OBSERVED_AT / SECOND) * SECOND;

function observedRunning(): CloudObservation {
  return { at: OBSERVED_AT, routeTables: {}, addresses: { ok: true, value: {} }, instances: { ok: true, value: { [NODE1_INSTANCE]: 'running' } } };
}

function memoryWith(event: { state: InstanceState; at: number }, observation: CloudObservation | null = observedRunning()): ReconcileMemory {
  const memory = newMemory();
  memory.observation = observation ?? undefined;
  memory.instanceEvents[NODE1_INSTANCE] = event;
  return memory;
}

function world(): StoredWorld {
  return { spec: clusterSpec(), statuses: new Map(), heartbeats: { ok: true, value: [] }, malformed: [] };
}

describe('judge, an instance event against the last observation', () => {
  it('does not fail a node on a "stopped" event older than a "running" observation, judged within the old grace minute', () => {
    // Prepare
    const memory = memoryWith({ state: 'stopped', at: observedSecond - 5 * SECOND });

    // Act
    const { health } = judge(world(), memory, OBSERVED_AT + 2 * SECOND);

    // Assess
    expect(health.get('node1')?.reason).not.toMatch(/instance is stopped/);
    expect(health.get('node1')?.state).not.toBe('failed');
  });

  it('fails a node on a "stopped" event newer than a "running" observation', () => {
    // Prepare
    const memory = memoryWith({ state: 'stopped', at: observedSecond + SECOND });

    // Act
    const { health } = judge(world(), memory, OBSERVED_AT + 2 * SECOND);

    // Assess
    expect(health.get('node1')).toMatchObject({ state: 'failed', reason: 'instance is stopped' });
  });
});

describe('effectiveInstanceStates', () => {
  it.each<[string, { state: InstanceState; at: number }, CloudObservation | null, InstanceState]>([
    ['a going-down event a second older than the observation loses', { state: 'stopping', at: observedSecond - SECOND }, observedRunning(), 'running'],
    ['a going-down event of the observation\'s own second loses (ties go to the observation)', { state: 'stopped', at: observedSecond }, observedRunning(), 'running'],
    ['an event of the same second with milliseconds after the observation still loses', { state: 'stopped', at: OBSERVED_AT + 300 }, observedRunning(), 'running'],
    ['a going-down event of a later second wins', { state: 'stopped', at: observedSecond + SECOND }, observedRunning(), 'stopped'],
    ['a "running" event of a later second wins over a "stopped" observation', { state: 'running', at: observedSecond + SECOND }, { ...observedRunning(), instances: { ok: true, value: { [NODE1_INSTANCE]: 'stopped' } } }, 'running'],
    ['an event counts when there is no observation yet', { state: 'terminated', at: observedSecond - 60 * SECOND }, null, 'terminated'],
    ['an event counts when the observation could not read the instances', { state: 'stopped', at: observedSecond - SECOND }, { ...observedRunning(), instances: { ok: false, reason: 'throttled' } }, 'stopped'],
  ])('%s', (_label, event, observation, expected) => {
    // Prepare
    const memory = memoryWith(event, observation);

    // Act
    const states = effectiveInstanceStates(memory);

    // Assess
    expect(states[NODE1_INSTANCE]).toBe(expected);
  });
});
