import { seededRandom, scenarioSeed, type Random } from './random';

/*
 * A scenario: the processes it runs (one or two controllers, two agents) and a sequence of
 * faults, each with its start (ms after the scenario's fault phase begins), its duration and
 * its target, all drawn from the scenario's own seed.
 */

export const FAULT_KINDS = [
  'agent-kill',
  'agent-freeze',
  'controller-kill',
  'controller-freeze',
  'controller-kill-after-commit',
  'controller-freeze-after-commit',
  'ddb-freeze',
  'ddb-slow',
  'ec2-throttle',
  'ec2-5xx',
  'ec2-hang',
  'ec2-unauthorized',
  'route-moved',
  'eip-moved',
  'instance-stop',
  'malformed-heartbeat',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults the control plane cannot see past, or that leave the owner's agent alive and unfrozen:
 * none of them may move ownership (DESIGN: "unknown never moves anything").
 */
export const OWNER_KEEPING_KINDS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  'controller-kill',
  'controller-freeze',
  'ddb-freeze',
  'ddb-slow',
  'ec2-throttle',
  'ec2-5xx',
  'ec2-hang',
  'ec2-unauthorized',
  'route-moved',
  'eip-moved',
  'malformed-heartbeat',
]);

/** Kinds that need a second controller (the first is killed or frozen right after a commit). */
const NEEDS_TWO_CONTROLLERS: ReadonlySet<FaultKind> = new Set<FaultKind>(['controller-kill-after-commit', 'controller-freeze-after-commit']);

export type NodeName = 'node1' | 'node2';

export interface FaultStep {
  readonly step: number;
  readonly kind: FaultKind;
  /** ms after the fault phase begins. */
  readonly atMs: number;
  readonly durationMs: number;
  /** `owner` / `standby` (agents, instances, heartbeats), `leader` (controllers), or a detail. */
  readonly target: 'owner' | 'standby' | 'leader' | 'any';
  /** Kind-specific: delay of a slow DynamoDB, share of EC2 calls failed, the EC2 action, the malformed shape. */
  readonly detail: Record<string, string | number>;
}

export interface Scenario {
  /** `<campaign seed>-<index>`: replays it with `--seed <seed> --scenario <seed>-<index>`. */
  readonly id: string;
  readonly seed: number;
  readonly index: number;
  readonly controllers: 1 | 2;
  readonly faults: readonly FaultStep[];
}

export interface GeneratorOptions {
  /** Only these kinds are drawn (all by default). */
  readonly kinds?: readonly FaultKind[];
  readonly maxFaults?: number;
}

function drawFault(random: Random, step: number, kind: FaultKind, atMs: number): FaultStep {
  const detail: Record<string, string | number> = {};
  let target: FaultStep['target'] = 'any';
  let durationMs = random.int(500, 2500);
  switch (kind) {
    case 'agent-kill':
    case 'agent-freeze':
    case 'instance-stop':
      target = random.chance(0.7) ? 'owner' : 'standby';
      durationMs = random.int(1500, 3500);
      break;
    case 'malformed-heartbeat':
      // Only the standby: the owner's own agent must keep its group (one node's data affects only that node).
      target = 'standby';
      detail.shape = random.pick(['checks-null', 'seq-fraction', 'seq-string']);
      durationMs = random.int(1000, 2000);
      break;
    case 'controller-kill':
    case 'controller-freeze':
      target = 'leader';
      durationMs = random.int(500, 3000);
      break;
    case 'controller-kill-after-commit':
    case 'controller-freeze-after-commit':
      // The owner's agent is killed so that a commit happens; the leader dies or freezes right after it.
      target = 'leader';
      durationMs = random.int(1500, 3500);
      break;
    case 'ddb-freeze':
      durationMs = random.int(500, 3000);
      break;
    case 'ddb-slow':
      detail.delayMs = random.int(50, 400);
      durationMs = random.int(1000, 4000);
      break;
    case 'ec2-throttle':
    case 'ec2-5xx':
    case 'ec2-hang':
    case 'ec2-unauthorized':
      detail.action = random.pick(['*', 'ReplaceRoute', 'AssociateAddress', 'DescribeRouteTables', 'DescribeAddresses']);
      detail.rate = random.pick([0.3, 0.6, 1]);
      durationMs = random.int(1000, 4000);
      break;
    case 'route-moved':
      detail.table = random.int(0, 2);
      detail.to = random.pick(['standby', 'stranger']);
      durationMs = 0;
      break;
    case 'eip-moved':
      detail.to = random.pick(['standby', 'none']);
      durationMs = 0;
      break;
  }
  return { step, kind, atMs, durationMs, target, detail };
}

export function generateScenario(seed: number, index: number, options: GeneratorOptions = {}): Scenario {
  const random = seededRandom(scenarioSeed(seed, index));
  const kinds = options.kinds ?? FAULT_KINDS;
  const count = random.int(1, options.maxFaults ?? 3);
  const faults: FaultStep[] = [];
  let at = random.int(200, 1200);
  for (let step = 1; step <= count; step++) {
    const kind = random.pick(kinds);
    const fault = drawFault(random, step, kind, at);
    faults.push(fault);
    // Faults follow each other; EC2 and DynamoDB faults may overlap the next one.
    const overlaps = fault.kind.startsWith('ec2-') || fault.kind === 'ddb-slow';
    at += (overlaps && random.chance(0.5) ? Math.floor(fault.durationMs / 2) : fault.durationMs) + random.int(300, 1500);
  }
  const needsTwo = faults.some((f) => NEEDS_TWO_CONTROLLERS.has(f.kind));
  return { id: `${seed}-${index}`, seed, index, controllers: needsTwo || random.chance(0.35) ? 2 : 1, faults };
}

export function describeFault(fault: FaultStep): string {
  const detail = Object.entries(fault.detail)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `step ${fault.step} ${fault.kind}(${fault.target}${detail ? `,${detail}` : ''}) at +${fault.atMs} ms for ${fault.durationMs} ms`;
}
