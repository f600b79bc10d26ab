import type { ClusterSpec, HealthCheckResult, NodeId } from '../core/model';
import type { Logger } from '../core/logger';
import { newMemory, reconcileOnce, type ReconcileMemory, type ReconcileReport } from '../core/reconcile';
import type { FencingToken } from '../core/ports';
import { SimClock } from './sim-clock';
import { SimCloud } from './sim-cloud';
import { SimState } from './sim-state';

/*
 * The in-memory world: a simulated EC2, state store and node agents on one simulated clock,
 * driven by the real reconcile. `npm start` and the engine's tests run failovers in it.
 */

/** Resolves once every promise already under way has run: the simulation's "wait for EC2". */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface SimNode {
  readonly id: NodeId;
  readonly instanceId: string;
  alive: boolean;
  seq: number;
  leaving: boolean;
  checks: HealthCheckResult[];
  nextBeatAt: number;
  /** Changes at every agent start. */
  incarnation: string;
  /** Current wait after failed writes (0 while writes succeed). */
  backoffMs: number;
}

export interface SimWorldOptions {
  readonly random?: () => number;
  readonly logger?: Logger;
  /**
   * Longest wait of an agent after failed heartbeat writes (it doubles from one interval).
   * @default one missed-beat window, as the real agent
   */
  readonly agentBackoffCapMs?: number;
  /** Extra route tables (id → routes) beyond those the world derives from the spec. */
  readonly extraRoutes?: Record<string, Record<string, string>>;
}

export class SimWorld {
  readonly clock = new SimClock();
  readonly cloud: SimCloud;
  readonly state: SimState;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly memory: ReconcileMemory = newMemory();
  readonly fence: FencingToken = { holder: 'sim-reconciler', token: 1 };
  readonly start: number;
  private nextTickAt: number;
  private unsettled = true;
  readonly reports: ReconcileReport[] = [];

  constructor(
    readonly spec: ClusterSpec,
    private readonly options: SimWorldOptions = {},
  ) {
    this.start = this.clock.now();
    this.nextTickAt = this.start;
    this.cloud = new SimCloud(this.clock.now, options.random);
    this.state = new SimState(spec);
    for (const node of spec.nodes) {
      this.nodes.set(node.id, { id: node.id, instanceId: node.instanceId, alive: true, seq: 0, leaving: false, checks: [], nextBeatAt: this.start, incarnation: `${node.id}-0`, backoffMs: 0 });
      this.cloud.instances.set(node.instanceId, 'running');
    }
    this.buildCloud();
  }

  /** Routes and EIPs as an operator would have set them up: pointing at each resource's best node. */
  private buildCloud(): void {
    const tablesByVpc = new Map<string, Record<string, Record<string, string>>>();
    for (const resource of this.spec.resources) {
      for (const member of resource.members) {
        this.cloud.enis.add(member.eni);
        const instanceId = this.spec.nodes.find((n) => n.id === member.node)?.instanceId;
        if (instanceId) this.cloud.attachments.set(member.eni, instanceId);
      }
      const primary = resource.members[0]!;
      if (resource.mode === 'eip') {
        this.cloud.addresses.set(resource.allocationId, { networkInterfaceId: primary.eni, privateIp: primary.privateIp });
        continue;
      }
      const tables = tablesByVpc.get(resource.vpcId) ?? {
        [`rtb-${resource.vpcId.slice(4)}a`]: { [resource.vpcCidr ?? '10.0.0.0/16']: 'local' },
        [`rtb-${resource.vpcId.slice(4)}b`]: { [resource.vpcCidr ?? '10.0.0.0/16']: 'local' },
      };
      for (const routes of Object.values(tables)) routes[resource.destination] = primary.eni;
      tablesByVpc.set(resource.vpcId, tables);
    }
    for (const [vpcId, tables] of tablesByVpc) {
      for (const [id, routes] of Object.entries(tables)) this.cloud.addTable(id, vpcId, routes);
    }
    for (const [id, routes] of Object.entries(this.options.extraRoutes ?? {})) {
      const existing = this.cloud.tables.get(id);
      if (!existing) continue;
      for (const [destination, target] of Object.entries(routes)) {
        existing.routes.set(destination, target.startsWith('eni-') ? { networkInterfaceId: target } : { otherTarget: target });
        if (target.startsWith('eni-')) this.cloud.enis.add(target);
      }
    }
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  crash(id: NodeId): void {
    this.node(id).alive = false;
  }

  recover(id: NodeId): void {
    const node = this.node(id);
    node.alive = true;
    node.leaving = false;
    node.nextBeatAt = this.clock.now();
  }

  /** The agent process starts again: a new incarnation, the sequence going on from the stored one. */
  restart(id: NodeId): void {
    const node = this.node(id);
    this.recover(id);
    node.incarnation = `${id}-${this.clock.now()}`;
  }

  private beat(): void {
    const now = this.clock.now();
    const interval = this.spec.defaults.heartbeat.intervalSeconds * 1000;
    for (const node of this.nodes.values()) {
      if (!node.alive || now < node.nextBeatAt) continue;
      const beat = { instanceId: node.instanceId, seq: node.seq + 1, sentAt: now, leaving: node.leaving, checks: node.checks, incarnation: node.incarnation };
      if (this.state.writeHeartbeat(beat)) {
        node.seq += 1;
        node.backoffMs = 0;
        node.nextBeatAt = now + interval;
      } else {
        const cap = this.options.agentBackoffCapMs ?? interval * this.spec.defaults.heartbeat.missedBeats;
        node.backoffMs = Math.min(cap, node.backoffMs === 0 ? interval : node.backoffMs * 2);
        node.nextBeatAt = now + node.backoffMs;
      }
    }
  }

  /** The reconciler runs no tick for `ms` (a runner stuck in a call, a pause), while time and the agents go on. */
  stallReconciler(ms: number): void {
    this.nextTickAt = this.clock.now() + ms;
  }

  /** Runs the reconcile once now, as a runner would on its tick. */
  async tick(): Promise<ReconcileReport | undefined> {
    let report: ReconcileReport;
    try {
      report = await reconcileOnce(
      // EC2 work that has not settled once the simulated calls have run is left for a later tick, at no real time.
      { state: this.state, heartbeats: this.state, cloud: this.cloud, clock: this.clock.now, logger: this.options.logger, sleep: nextTurn },
      this.memory,
        { fence: this.fence, forceObserve: this.unsettled },
      );
    } catch {
      // As the loop does: the store failed, nothing is known this tick.
      this.memory.blindAt = this.clock.now();
      this.unsettled = true;
      return undefined;
    }
    this.unsettled = report.unsettled;
    this.reports.push(report);
    return report;
  }

  /** Advances simulated time in small steps: agents beat on their interval, the reconciler ticks on its own. */
  async run(seconds: number, stepMs = 100, onReport?: (report: ReconcileReport) => void): Promise<void> {
    const end = this.clock.now() + seconds * 1000;
    const tickMs = this.spec.defaults.checkIntervalSeconds * 1000;
    while (this.clock.now() < end) {
      this.beat();
      if (this.clock.now() >= this.nextTickAt) {
        const report = await this.tick();
        if (report) onReport?.(report);
        this.nextTickAt = this.clock.now() + tickMs;
      }
      this.clock.advance(stepMs);
    }
  }

  ownerOf(groupId: string): NodeId | null {
    return this.state.statuses.get(groupId)?.owner ?? null;
  }

  /** True when every protected route and EIP of the group targets its owner's ENI. */
  trafficOn(groupId: string, node: NodeId): boolean {
    for (const resource of this.spec.resources.filter((r) => r.group === groupId)) {
      const eni = resource.members.find((m) => m.node === node)?.eni;
      if (!eni) return false;
      if (resource.mode === 'eip') {
        if (this.cloud.addresses.get(resource.allocationId)?.networkInterfaceId !== eni) return false;
        continue;
      }
      for (const [id, table] of this.cloud.tables) {
        if (table.vpcId === resource.vpcId && table.routes.has(resource.destination) && this.cloud.routeTarget(id, resource.destination) !== eni)
          return false;
      }
    }
    return true;
  }
}
