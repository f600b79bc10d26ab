import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, startLocalCluster, type LocalCluster } from '../../../src/local/start/local-cluster';
import { FAST_PROFILE } from '../../../src/local/start/timing-profile';
import { waitForTraffic } from '../../../src/local/start/traffic-view';

/*
 * The on-demand shape with real processes: the controller's scheduled runs are ten minutes apart,
 * so whatever it does within seconds, a wake started it. The owner's agent is killed; the
 * standby's agent wakes the controller, whose run fails the group over, and every run stops once
 * the cluster is steady.
 */

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startLocalCluster({ dir: mkdtempSync(join(tmpdir(), 'ec2f-on-demand-')), profile: FAST_PROFILE, scheduleSeconds: 600 });
  await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf('node1'), Date.now(), 30_000);
  // Settled: node1 committed as the owner and the runs the start caused over, so no run is under way.
  for (const deadline = Date.now() + 30_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const status = (await cluster.state.readStatuses()).get(GROUP);
    if (status?.owner === 'node1' && status.phase === 'steady' && cluster.runs.length > 0 && Date.now() - Date.parse(cluster.runs.at(-1)!.time) > 1_000) break;
    if (Date.now() > deadline) throw new Error('the local cluster did not settle on node1 within 30 s');
  }
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

const runsFinished = () => cluster.runs;

describe('on-demand runs with real agents', () => {
  it('fails the group over within a few windows of the kill, on a wake from the standby, and every run stops once steady', async () => {
    // Prepare: at 0.25 s beats × 3, the window is 0.75 s
    const before = runsFinished().length;
    const wakesBefore = cluster.wakes.length;

    // Act
    const killedAt = Date.now();
    await cluster.killAgent('node1');
    const tookMs = await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf('node2'), killedAt, 10_000);

    // Assess: moved in seconds, not at the next scheduled run ten minutes away; runs ended steady
    expect(tookMs).toBeLessThan(4_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const runs = runsFinished();
    expect(runs.length).toBeGreaterThan(before);
    expect(runs.slice(before).every((run) => run.stoppedBecause === 'steady')).toBe(true);
    expect(cluster.wakes.slice(wakesBefore)).toContainEqual(expect.objectContaining({ reason: 'owner-silent', from: 'node2' }));
  }, 60_000);
});
