import type {
  Action,
  ActionOutcome,
  AddressObservation,
  ClusterSpec,
  CloudObservation,
  InstanceState,
  InterfaceObservation,
  Observed,
  RouteTableObservation,
  Tunables,
} from '../core/model';
import type { CloudPort, ExecuteOptions } from '../core/ports';

/*
 * An in-memory EC2 for the simulation and the property tests: route tables, Elastic IPs,
 * ENIs and instances, with injectable "unknown" faults (timeouts, throttles) and terminal
 * ones (a deleted ENI). Every mutation is logged so tests can prove nothing unprotected moved.
 */

export type SimOperation = 'describe-route-tables' | 'describe-addresses' | 'describe-instances' | 'describe-network-interfaces' | 'describe-vpcs' | Action['kind'];

interface SimRoute {
  networkInterfaceId?: string | undefined;
  otherTarget?: string | undefined;
}

interface SimTable {
  readonly vpcId: string;
  readonly tags: Record<string, string>;
  readonly routes: Map<string, SimRoute>;
}

export interface Mutation {
  readonly operation: 'replace-route' | 'associate-address' | 'stop-instance' | 'manual';
  readonly target: string;
  readonly value: string;
}

export class SimCloud implements CloudPort {
  readonly tables = new Map<string, SimTable>();
  readonly addresses = new Map<string, { networkInterfaceId?: string | undefined; privateIp?: string | undefined }>();
  readonly enis = new Set<string>();
  readonly instances = new Map<string, InstanceState>();
  readonly mutations: Mutation[] = [];
  readonly calls = new Map<SimOperation, number>();
  /** Probability in [0, 1] that an operation answers "unknown" (throttled / timed out). */
  readonly unknownRate = new Map<SimOperation, number>();
  /** Operations the control plane's role may not call (an IAM change still propagating, say). */
  readonly denied = new Set<SimOperation>();
  /** ENIs whose use IAM denies (a missing tag on the ENI, say). */
  readonly deniedEnis = new Set<string>();
  /** ENI id → instance it is attached to; an ENI in `enis` but not here is detached. Filled in by whoever builds the world. */
  readonly attachments = new Map<string, string>();
  /** VPC id → its CIDR blocks. */
  readonly vpcCidrs = new Map<string, string[]>();
  /** While set, every call waits until `answer()` (EC2 hanging, or answering 500 with retries going on). */
  private stalled: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** From now on every call hangs until `answer()`. */
  hang(): void {
    if (this.stalled) return;
    this.stalled = new Promise((resolve) => (this.release = resolve));
  }

  /** EC2 answers again: hung calls go on. */
  answer(): void {
    this.release?.();
    this.stalled = undefined;
    this.release = undefined;
  }

  constructor(
    private readonly clock: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  addTable(routeTableId: string, vpcId: string, routes: Record<string, string>, tags: Record<string, string> = {}): void {
    const map = new Map<string, SimRoute>();
    for (const [destination, target] of Object.entries(routes)) {
      map.set(destination, target.startsWith('eni-') ? { networkInterfaceId: target } : { otherTarget: target });
    }
    this.tables.set(routeTableId, { vpcId, tags, routes: map });
  }

  /** An operator (or anyone) editing a route by hand, outside our control. */
  editRoute(routeTableId: string, destination: string, networkInterfaceId: string): void {
    this.tables.get(routeTableId)?.routes.set(destination, { networkInterfaceId });
    this.mutations.push({ operation: 'manual', target: `${routeTableId}:${destination}`, value: networkInterfaceId });
  }

  deleteEni(eni: string): void {
    this.enis.delete(eni);
    for (const [allocationId, address] of this.addresses) {
      if (address.networkInterfaceId === eni) this.addresses.set(allocationId, {});
    }
  }

  routeTarget(routeTableId: string, destination: string): string | undefined {
    const route = this.tables.get(routeTableId)?.routes.get(destination);
    return route?.networkInterfaceId ?? route?.otherTarget;
  }

  private faulted(operation: SimOperation): boolean {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    return this.random() < (this.unknownRate.get(operation) ?? 0);
  }

  async observe(spec: ClusterSpec): Promise<CloudObservation> {
    if (this.stalled) await this.stalled;
    const routeTables: Record<string, Observed<readonly RouteTableObservation[]>> = {};
    const destinationsByVpc = new Map<string, Set<string>>();
    for (const r of spec.resources) {
      if (r.mode === 'route') destinationsByVpc.set(r.vpcId, (destinationsByVpc.get(r.vpcId) ?? new Set()).add(r.destination));
    }
    for (const [vpcId, destinations] of destinationsByVpc) {
      if (this.faulted('describe-route-tables')) {
        routeTables[vpcId] = { ok: false, reason: 'RequestLimitExceeded (simulated)' };
        continue;
      }
      const found: RouteTableObservation[] = [];
      for (const [routeTableId, table] of this.tables) {
        if (table.vpcId !== vpcId || ![...table.routes.keys()].some((d) => destinations.has(d))) continue;
        found.push({
          routeTableId,
          vpcId,
          tags: { ...table.tags },
          routes: [...table.routes].map(([destination, route]) => ({
            destination,
            networkInterfaceId: route.networkInterfaceId,
            otherTarget: route.otherTarget,
            state: route.networkInterfaceId === undefined || this.enis.has(route.networkInterfaceId) ? ('active' as const) : ('blackhole' as const),
          })),
        });
      }
      routeTables[vpcId] = { ok: true, value: found };
    }

    let addresses: CloudObservation['addresses'];
    if (this.faulted('describe-addresses')) addresses = { ok: false, reason: 'RequestTimeout (simulated)' };
    else {
      const value: Record<string, AddressObservation> = {};
      for (const r of spec.resources) {
        if (r.mode !== 'eip') continue;
        const address = this.addresses.get(r.allocationId);
        value[r.allocationId] = address
          ? { allocationId: r.allocationId, exists: true, networkInterfaceId: address.networkInterfaceId, privateIp: address.privateIp }
          : { allocationId: r.allocationId, exists: false };
      }
      addresses = { ok: true, value };
    }

    let instances: CloudObservation['instances'];
    if (this.faulted('describe-instances')) instances = { ok: false, reason: 'InternalError (simulated)' };
    else {
      const value: Record<string, InstanceState> = {};
      for (const node of spec.nodes) value[node.instanceId] = this.instances.get(node.instanceId) ?? 'absent';
      instances = { ok: true, value };
    }
    return { at: this.clock(), routeTables, addresses, instances, interfaces: this.observeInterfaces(spec), vpcCidrs: this.observeVpcs(spec) };
  }

  private observeInterfaces(spec: ClusterSpec): CloudObservation['interfaces'] {
    if (this.faulted('describe-network-interfaces')) return { ok: false, reason: 'InternalError (simulated)' };
    const value: Record<string, InterfaceObservation> = {};
    for (const eni of new Set(spec.resources.flatMap((r) => r.members.map((m) => m.eni)))) {
      if (!this.enis.has(eni)) value[eni] = { networkInterfaceId: eni, exists: false };
      // An ENI whose attachment the world never set up is left out: unknown, so not held against anyone.
      else if (this.attachments.has(eni)) value[eni] = { networkInterfaceId: eni, exists: true, attachedInstanceId: this.attachments.get(eni), sourceDestCheck: false };
    }
    return { ok: true, value };
  }

  private observeVpcs(spec: ClusterSpec): CloudObservation['vpcCidrs'] {
    if (this.faulted('describe-vpcs')) return { ok: false, reason: 'InternalError (simulated)' };
    const value: Record<string, readonly string[]> = {};
    for (const r of spec.resources) if (r.mode === 'route') value[r.vpcId] = this.vpcCidrs.get(r.vpcId) ?? (r.vpcCidr ? [r.vpcCidr] : []);
    return { ok: true, value };
  }

  async execute(actions: readonly Action[], _tunables?: Tunables, options: ExecuteOptions = {}): Promise<ActionOutcome[]> {
    if (this.stalled) await this.stalled;
    return actions.map((action) => this.apply(action, options));
  }

  private apply(action: Action, options: ExecuteOptions): ActionOutcome {
    if (options.mayAct && !options.mayAct(action)) return { action, result: 'unknown', error: 'not sent: the lease may be lost or the epoch moved on', elapsedMs: 0 };
    if (options.deadline !== undefined && this.clock() >= options.deadline) return { action, result: 'unknown', error: 'not sent: no time left in this run', elapsedMs: 0 };
    if (this.faulted(action.kind)) return { action, result: 'unknown', error: 'RequestLimitExceeded (simulated)', elapsedMs: 0 };
    const eni = action.kind === 'stop-instance' ? undefined : action.networkInterfaceId;
    if (this.denied.has(action.kind) || (eni !== undefined && this.deniedEnis.has(eni)))
      return { action, result: 'terminal', code: 'EC2F-E005', cause: 'unauthorized', error: 'UnauthorizedOperation (simulated)', elapsedMs: 0 };
    switch (action.kind) {
      case 'replace-route': {
        const route = this.tables.get(action.routeTableId)?.routes.get(action.destination);
        if (!route) return { action, result: 'terminal', code: 'EC2F-E004', cause: 'gone', error: 'no such route', elapsedMs: 0 };
        if (!this.enis.has(action.networkInterfaceId))
          return { action, result: 'terminal', code: 'EC2F-E001', cause: 'gone', error: `${action.networkInterfaceId} does not exist`, elapsedMs: 0 };
        this.tables.get(action.routeTableId)!.routes.set(action.destination, { networkInterfaceId: action.networkInterfaceId });
        this.mutations.push({ operation: 'replace-route', target: `${action.routeTableId}:${action.destination}`, value: action.networkInterfaceId });
        return { action, result: 'ok', elapsedMs: 0 };
      }
      case 'associate-address': {
        if (!this.addresses.has(action.allocationId))
          return { action, result: 'terminal', code: 'EC2F-E002', cause: 'gone', error: `${action.allocationId} does not exist`, elapsedMs: 0 };
        if (!this.enis.has(action.networkInterfaceId))
          return { action, result: 'terminal', code: 'EC2F-E001', cause: 'gone', error: `${action.networkInterfaceId} does not exist`, elapsedMs: 0 };
        this.addresses.set(action.allocationId, { networkInterfaceId: action.networkInterfaceId, privateIp: action.privateIp });
        this.mutations.push({ operation: 'associate-address', target: action.allocationId, value: action.networkInterfaceId });
        return { action, result: 'ok', elapsedMs: 0 };
      }
      case 'stop-instance': {
        const state = this.instances.get(action.instanceId);
        if (state === undefined) return { action, result: 'terminal', code: 'EC2F-E006', cause: 'instance-gone', error: 'no such instance', elapsedMs: 0 };
        if (state !== 'terminated') this.instances.set(action.instanceId, 'stopped');
        this.mutations.push({ operation: 'stop-instance', target: action.instanceId, value: 'stopped' });
        return { action, result: 'ok', elapsedMs: 0 };
      }
    }
  }
}
