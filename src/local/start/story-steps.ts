import { DescribeInstancesCommand, ReplaceRouteCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { GROUP, type LocalCluster, type NodeName } from './local-cluster';
import type { TimingProfile } from './timing-profile';
import { allOn, readTraffic, waitForTraffic } from './traffic-view';

/*
 * The scripted story, one function per step. Each acts the way an operator, a failure or EC2
 * would, and times the result from EC2 itself (routes and the Elastic IP, polled every 50 ms).
 */

export interface StepTime {
  readonly step: string;
  readonly measured: string;
  readonly ms: number;
}

const TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function ownerCrashes(cluster: LocalCluster): Promise<StepTime> {
  const t0 = Date.now();
  await cluster.killAgent('node1');
  const ms = await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf('node2'), t0, TIMEOUT_MS);
  return { step: "node1's agent killed (SIGKILL)", measured: 'kill → every route and the EIP on node2', ms };
}

/** node1's agent back; with intelligent switchback the group stays where it is. */
export async function oldOwnerReturns(cluster: LocalCluster, profile: TimingProfile): Promise<StepTime> {
  const t0 = Date.now();
  await cluster.startAgent('node1');
  const ms = Date.now() - t0;
  // Long enough for the controller to judge node1 healthy again and decide.
  const holdMs = Math.round((profile.missedBeats * profile.heartbeatSeconds + 3 * profile.checkIntervalSeconds) * 1000);
  for (const until = Date.now() + holdMs; Date.now() < until; await sleep(100)) {
    if (!allOn(await readTraffic(cluster.moto, cluster.target), cluster.target, cluster.eniOf('node2'))) {
      throw new Error('traffic left node2 after node1 came back (intelligent switchback keeps it on node2)');
    }
  }
  return { step: "node1's agent back (intelligent switchback)", measured: `start → heartbeating; group then stayed on node2 for ${(holdMs / 1000).toFixed(1)} s`, ms };
}

/** `ec2-failover switchover --group demo --to <node> --wait`, retried while the controller refuses. */
export async function switchoverTo(cluster: LocalCluster, to: NodeName): Promise<StepTime> {
  const t0 = Date.now();
  // Timed by EC2, polled while the command runs (its --wait adds its own polling on top).
  const moved = waitForTraffic(cluster.moto, cluster.target, cluster.eniOf(to), t0, TIMEOUT_MS);
  moved.catch(() => undefined);
  await runSwitchover(cluster, to);
  const ms = await moved;
  return { step: `planned switchover to ${to} (CLI, --wait)`, measured: `command → every route and the EIP on ${to}`, ms };
}

/** Resolves with the number of attempts it took. */
export async function runSwitchover(cluster: LocalCluster, to: NodeName): Promise<number> {
  const args = ['switchover', '--config', cluster.configPath, '--group', GROUP, '--to', to, '--wait', '--timeout', '30'];
  for (let attempt = 1; ; attempt++) {
    const result = await cluster.cli(args);
    if (result.code === 0) return attempt;
    if (attempt >= 5) throw new Error(`ec2-failover switchover exited ${result.code}:\n${result.output}`);
    await sleep(1000);
  }
}

/** StopInstances through the EC2 API; the proxy announces it as EventBridge would. */
export async function instanceStopped(cluster: LocalCluster, node: NodeName, standby: NodeName): Promise<StepTime> {
  const instanceId = cluster.seed.ids[node].instanceId;
  const t0 = Date.now();
  await cluster.viaProxy.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  const ms = await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf(standby), t0, TIMEOUT_MS);
  await startInstance(cluster, instanceId);
  return { step: `${node}'s instance stopped (EC2 API, state-change event)`, measured: `StopInstances → every route and the EIP on ${standby}`, ms };
}

export async function startInstance(cluster: LocalCluster, instanceId: string): Promise<void> {
  await cluster.viaProxy.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
  for (const deadline = Date.now() + TIMEOUT_MS; ; await sleep(200)) {
    const { Reservations } = await cluster.moto.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    if (Reservations?.[0]?.Instances?.[0]?.State?.Name === 'running') return;
    if (Date.now() > deadline) throw new Error(`${instanceId} did not start again`);
  }
}

/** Someone points one route table's VIP route elsewhere by hand (straight to EC2). */
export async function routeDriftRepaired(cluster: LocalCluster, owner: NodeName, elsewhere: NodeName, profile: TimingProfile): Promise<StepTime> {
  const table = cluster.seed.ids.routeTableIds[0];
  const t0 = Date.now();
  await cluster.moto.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: cluster.target.destination, NetworkInterfaceId: cluster.eniOf(elsewhere) }));
  const ms = await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf(owner), t0, TIMEOUT_MS);
  return { step: `route in ${table} moved to ${elsewhere} by hand`, measured: `ReplaceRoute → repaired (next scheduled run: every ${profile.driftCheckIntervalSeconds} s here, a minute deployed)`, ms };
}
