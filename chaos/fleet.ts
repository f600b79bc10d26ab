import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AgentConfigInput } from '../src/agent/agent-config';
import { startImdsStandIn, type ImdsStandIn } from '../src/local/imds-stand-in';
import { findFreePort } from '../src/local/free-port';
import { onDemandControllerArgs } from '../src/local/start/local-cluster';
import { startWakeRelay, type WakeRelay } from '../src/local/wake-relay';
import { PROFILE } from './timing';
import { LoggedProcess } from '../test/support/logged-process';
import type { Bundles } from './bundles';
import type { NodeName } from './scenario';
import type { ChaosWorld } from './world';

/*
 * The processes of one scenario: two real agents (each with an instance-metadata stand-in and a
 * recording hook in place of the `ip` step, so nothing on this host changes) and one or two
 * `ec2-failover controller` processes, on demand as the deployed reconciler runs: the agents wake
 * them through a relay that stands for the one function they would invoke. Every start, kill, freeze and thaw is written to a
 * lifecycle log with its time, which the checkers read beside the hook records.
 */

/** Appends `<epoch ms> <role> <group> <epoch>` per run: activate and deactivate, per group. */
const HOOK_SCRIPT = `#!/bin/sh
echo "$(date +%s%3N) $EC2F_ROLE $EC2F_GROUP $EC2F_EPOCH $EC2F_REASON" >> "$1"
exit 0
`;

export type ProcessEvent = 'started' | 'killed' | 'frozen' | 'thawed' | 'ready';

export interface LifecycleEntry {
  readonly at: number;
  readonly who: string;
  readonly event: ProcessEvent;
}

export interface HookRecord {
  readonly at: number;
  readonly node: NodeName;
  readonly role: 'active' | 'standby';
  readonly group: string;
  readonly epoch: number;
}

const NODES: readonly NodeName[] = ['node1', 'node2'];

export class Fleet {
  readonly lifecycle: LifecycleEntry[] = [];
  readonly agents = new Map<NodeName, LoggedProcess>();
  readonly controllers = new Map<string, LoggedProcess>();
  private readonly frozen = new Set<LoggedProcess>();
  private readonly all = new Set<LoggedProcess>();
  private readonly imds = new Map<NodeName, ImdsStandIn>();
  private readonly holders = new Map<string, string>();
  /** Each controller's wake port, kept across its restarts. */
  private readonly wakePorts = new Map<string, number>();
  private wakeRelay: WakeRelay | undefined;
  private stopped = false;
  /**
   * Processes being started, by name: a fault that lands on one first lets it finish starting
   * (killing a process before it is up tests the harness, not the product, and fails its start).
   */
  private readonly starting = new Map<string, Promise<unknown>>();
  private readonly hookScript: string;

  constructor(
    private readonly world: ChaosWorld,
    private readonly bundles: Bundles,
    private readonly dir: string,
    private readonly cluster: string,
    private readonly clusterConfigPath: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.hookScript = join(dir, 'record-hook.sh');
    writeFileSync(this.hookScript, HOOK_SCRIPT);
    chmodSync(this.hookScript, 0o755);
  }

  hookFile(node: NodeName): string {
    return join(this.dir, `${node}.hooks`);
  }

  hookRecords(): HookRecord[] {
    const records: HookRecord[] = [];
    for (const node of NODES) {
      const file = this.hookFile(node);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [at, role, group, epoch] = line.split(' ');
        if (!at || (role !== 'active' && role !== 'standby') || !group) continue;
        records.push({ at: Number(at), node, role, group, epoch: Number(epoch) });
      }
    }
    return records.sort((a, b) => a.at - b.at);
  }

  private note(who: string, event: ProcessEvent): void {
    this.lifecycle.push({ at: Date.now(), who, event });
  }

  async startAgents(): Promise<void> {
    this.wakeRelay = await startWakeRelay(() => [...this.wakePorts.values()]);
    const ids = this.world.demo.ids;
    const macs: Record<NodeName, string> = { node1: '02:00:00:00:c4:01', node2: '02:00:00:00:c4:02' };
    for (const node of NODES) {
      this.imds.set(
        node,
        await startImdsStandIn({
          instanceId: ids[node].instanceId,
          region: this.world.region,
          interfaces: [{ mac: macs[node], eni: ids[node].eniId, deviceNumber: 0, localIpv4s: [ids[node].privateIp] }],
        }),
      );
      const hook = { command: ['/bin/sh', this.hookScript, this.hookFile(node)], timeoutSeconds: 5 };
      const config: AgentConfigInput = {
        cluster: this.cluster,
        stateDir: join(this.dir, `${node}-state`),
        dynamoDbTimeoutSeconds: 1,
        hooks: { mode: 'replace', activate: hook, deactivate: hook },
      };
      writeFileSync(join(this.dir, `${node}-agent.yaml`), stringify(config));
    }
    await Promise.all(NODES.map((node) => this.startAgent(node)));
  }

  startAgent(node: NodeName): Promise<void> {
    return this.whileStarting(node, () => this.spawnAgent(node));
  }

  startController(name: string): Promise<LoggedProcess> {
    return this.whileStarting(name, () => this.spawnController(name));
  }

  private async whileStarting<T>(who: string, start: () => Promise<T>): Promise<T> {
    // A fault still under way when its scenario ended (and the fleet was stopped) starts nothing more.
    if (this.stopped) throw new Error(`${who} not started: the fleet is stopped`);
    const started = start();
    this.starting.set(who, started.catch(() => undefined));
    try {
      return await started;
    } finally {
      this.starting.delete(who);
    }
  }

  /** Waits until `who` has finished starting, if it is starting. */
  async settled(who: string): Promise<void> {
    await this.starting.get(who);
  }

  private async spawnAgent(node: NodeName): Promise<void> {
    const env = { ...this.world.env, AWS_ENDPOINT_URL_LAMBDA: this.wakeRelay!.endpoint };
    const agent = LoggedProcess.spawnNode(node, [this.bundles.agent, '--config', join(this.dir, `${node}-agent.yaml`), '--imds-endpoint', this.imds.get(node)!.endpoint], env);
    this.agents.set(node, agent);
    this.all.add(agent);
    this.note(node, 'started');
    await agent.waitFor((line) => line.message === 'heartbeating', 30_000);
    this.note(node, 'ready');
  }

  private async spawnController(name: string): Promise<LoggedProcess> {
    const holder = `${name}-${Date.now()}`;
    const port = this.wakePorts.get(name) ?? (await findFreePort());
    this.wakePorts.set(name, port);
    const controller = LoggedProcess.spawnNode(
      name,
      [this.bundles.cli, ...onDemandControllerArgs(this.clusterConfigPath, this.world.local.eventSinkPath, holder, PROFILE.schedulePeriodSeconds, port)],
      this.world.env,
    );
    this.holders.set(holder, name);
    this.controllers.set(name, controller);
    this.all.add(controller);
    this.note(name, 'started');
    await controller.waitFor((line) => line.message === 'controller started', 30_000);
    this.note(name, 'ready');
    return controller;
  }

  /** The controller named by a lease holder string (read from DynamoDB by the caller). */
  controllerOf(holder: string | undefined): string | undefined {
    return holder === undefined ? undefined : this.holders.get(holder);
  }

  kill(who: string): Promise<unknown> {
    const process = this.agents.get(who as NodeName) ?? this.controllers.get(who);
    if (!process) return Promise.resolve();
    this.frozen.delete(process);
    this.note(who, 'killed');
    return process.kill('SIGKILL');
  }

  freeze(who: string): void {
    const process = this.agents.get(who as NodeName) ?? this.controllers.get(who);
    if (!process || !process.alive) return;
    process.child.kill('SIGSTOP');
    this.frozen.add(process);
    this.note(who, 'frozen');
  }

  thaw(who: string): void {
    const process = this.agents.get(who as NodeName) ?? this.controllers.get(who);
    if (!process || !this.frozen.has(process)) return;
    process.child.kill('SIGCONT');
    this.frozen.delete(process);
    this.note(who, 'thawed');
  }

  /** Everything at once with SIGKILL (a SIGTERM would make the agents leave and move ownership). */
  async stop(): Promise<void> {
    this.stopped = true;
    const processes = [...this.all];
    for (const p of processes) if (this.frozen.has(p)) p.child.kill('SIGCONT');
    // Controllers first, so nothing acts on the agents' going.
    await Promise.all([...this.controllers.values()].map((p) => p.kill('SIGKILL')));
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    this.frozen.clear();
    await Promise.allSettled([...this.imds.values()].map((server) => server.stop()));
    this.imds.clear();
    await this.wakeRelay?.close();
    this.wakeRelay = undefined;
  }

  tails(lines = 12): string {
    return [...this.controllers, ...this.agents]
      .map(([name, p]) => `--- ${name}${p.alive ? '' : ' (exited)'}:\n${p.raw.slice(-lines).join('\n')}`)
      .join('\n');
  }
}
