import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { LocalCluster } from '../src/local/start/local-cluster';
import { startInstance } from '../src/local/start/story-steps';
import { allOn, readTraffic, waitForTraffic } from '../src/local/start/traffic-view';
import { switchBack } from './switch-back';

/*
 * Failover trials against a running local cluster: node1 owns the group; after a random delay
 * (so the fault lands anywhere in the heartbeat and tick schedule) node1 fails one way or
 * another, and the time runs until EC2 (moto, polled every 50 ms) shows every protected route
 * and the Elastic IP on node2. Then node1 is brought back and the group switched back to it.
 */

export type FaultKind = 'crash' | 'leave' | 'stop';

const TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the fault; resolves once it has been dealt, with what finishes it (the agent's exit after SIGTERM). */
async function dealFault(cluster: LocalCluster, kind: FaultKind): Promise<{ readonly over: Promise<unknown> }> {
  if (kind === 'crash') await cluster.killAgent('node1');
  if (kind === 'leave') return { over: cluster.leaveAgent('node1') };
  if (kind === 'stop') await cluster.viaProxy.send(new StopInstancesCommand({ InstanceIds: [cluster.seed.ids.node1.instanceId] }));
  return { over: Promise.resolve() };
}

async function restore(cluster: LocalCluster, kind: FaultKind): Promise<void> {
  if (kind === 'stop') await startInstance(cluster, cluster.seed.ids.node1.instanceId);
  else await cluster.startAgent('node1');
  await switchBack(cluster, 'node1');
}

export async function failoverTrial(cluster: LocalCluster, kind: FaultKind, random: () => number): Promise<number> {
  if (!allOn(await readTraffic(cluster.moto, cluster.target), cluster.target, cluster.eniOf('node1'))) throw new Error('trial does not start from node1');
  await sleep(Math.round(1000 * random()));
  const t0 = Date.now();
  const fault = await dealFault(cluster, kind);
  const ms = await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf('node2'), t0, TIMEOUT_MS);
  await fault.over;
  await restore(cluster, kind);
  return ms;
}

export async function failoverTrials(
  cluster: LocalCluster,
  kind: FaultKind,
  trials: number,
  random: () => number,
  say: (line: string) => void,
): Promise<number[]> {
  const samples: number[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const ms = await failoverTrial(cluster, kind, random);
    samples.push(ms);
    say(`  ${kind} ${trial}/${trials}: ${(ms / 1000).toFixed(2)} s`);
  }
  return samples;
}
