import type { ReconcilerWake } from '../aws/lambda/reconciler-wake';
import type { HealthCheckResult, Heartbeat } from '../core/model';

/*
 * The wakes a written heartbeat calls for: the reconciler reads heartbeats, so it is woken only
 * once the beat that tells it something new is stored. Once after the agent's first beat
 * (`agent-started`), once after its first leaving beat (`leaving`), and whenever the verdict of
 * its required checks flips while it is a member of a group (`checks-changed`).
 */

export type BeatWakeReason = 'agent-started' | 'leaving' | 'checks-changed';

/** What the beats written so far said. */
export interface BeatMemory {
  readonly leaving: boolean;
  readonly checksPass: boolean;
}

/** The control plane's reading of a node's own report: every required check passes. */
export function requiredChecksPass(checks: readonly HealthCheckResult[]): boolean {
  return checks.every((check) => !check.required || check.ok);
}

/** The wakes a written beat calls for, given what the earlier ones said (none: the first beat). */
export function wakesAfterBeat(memory: BeatMemory | undefined, beat: Heartbeat, member: boolean): { reasons: BeatWakeReason[]; memory: BeatMemory } {
  const next: BeatMemory = { leaving: beat.leaving, checksPass: requiredChecksPass(beat.checks) };
  const reasons: BeatWakeReason[] = [];
  if (memory === undefined) reasons.push('agent-started');
  if (beat.leaving && !memory?.leaving) reasons.push('leaving');
  else if (member && memory !== undefined && next.checksPass !== memory.checksPass) reasons.push('checks-changed');
  return { reasons, memory: next };
}

export interface BeatWakerOptions {
  /** Whether this node is a member of any group now. */
  readonly member: () => boolean;
  /** Flipping checks wake at most once per interval: a beat carries the verdict no more often. */
  readonly intervalMs: () => number;
}

/** What to call after each heartbeat written. */
export function beatWaker(wake: ReconcilerWake, options: BeatWakerOptions): (beat: Heartbeat) => void {
  let memory: BeatMemory | undefined;
  return (beat) => {
    const result = wakesAfterBeat(memory, beat, options.member());
    memory = result.memory;
    for (const reason of result.reasons) {
      void wake.wake({ reason, minGapMs: reason === 'checks-changed' ? options.intervalMs() : 0 });
    }
  };
}
