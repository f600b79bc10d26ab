import { GROUP, type LocalCluster } from './local-cluster';
import { instanceStopped, oldOwnerReturns, ownerCrashes, routeDriftRepaired, switchoverTo, type StepTime } from './story-steps';
import type { TimingProfile } from './timing-profile';
import { waitForTraffic } from './traffic-view';

/*
 * The story `npm start` tells, against the running cluster: node1 owns the group; its agent is
 * killed and node2 takes over; node1 comes back and the group stays (intelligent switchback); an
 * operator switches back; node1's instance is stopped through the EC2 API; a route is moved by
 * hand and repaired.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function firstOwner(cluster: LocalCluster): Promise<void> {
  for (const deadline = Date.now() + 60_000; (await cluster.state.readStatuses()).get(GROUP)?.owner !== 'node1'; await sleep(100)) {
    if (Date.now() > deadline) throw new Error('the controller did not make node1 the owner within 60 s');
  }
  await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf('node1'), Date.now(), 60_000);
}

export async function runStory(cluster: LocalCluster, profile: TimingProfile, say: (line: string) => void): Promise<StepTime[]> {
  await firstOwner(cluster);
  const steps: Array<[string, () => Promise<StepTime>]> = [
    ["1. kill -9 node1's agent (the owner)", () => ownerCrashes(cluster)],
    ["2. start node1's agent again", () => oldOwnerReturns(cluster, profile)],
    ['3. ec2-failover switchover --group demo --to node1 --wait', () => switchoverTo(cluster, 'node1')],
    ["4. StopInstances on node1's instance", () => instanceStopped(cluster, 'node1', 'node2')],
    ['5. ReplaceRoute by hand: one VIP route to node1', () => routeDriftRepaired(cluster, 'node2', 'node1', profile)],
  ];
  const times: StepTime[] = [];
  for (const [title, act] of steps) {
    // A moment between steps, so each starts from a settled cluster.
    await sleep(profile.heartbeatSeconds * 2000);
    say(title);
    const time = await act();
    say(`   ${time.measured}: ${(time.ms / 1000).toFixed(2)} s`);
    times.push(time);
  }
  return times;
}

export function storyTable(times: readonly StepTime[], profile: TimingProfile): string {
  const width = Math.max(...times.map((t) => t.step.length), 4);
  const lines = [
    `Measured from EC2 (routes and Elastic IP polled every 50 ms), ${profile.name} timing: heartbeat ${profile.heartbeatSeconds} s × ${profile.missedBeats} missed, tick ${profile.checkIntervalSeconds} s`,
    `${'step'.padEnd(width)}  ${'time'.padStart(8)}  what was timed`,
    `${'-'.repeat(width)}  ${'-'.repeat(8)}  ${'-'.repeat(14)}`,
    ...times.map((t) => `${t.step.padEnd(width)}  ${`${(t.ms / 1000).toFixed(2)} s`.padStart(8)}  ${t.measured}`),
  ];
  return lines.join('\n');
}
