import { GROUP, type LocalCluster, type NodeName } from '../src/local/start/local-cluster';
import { waitForTraffic } from '../src/local/start/traffic-view';

/*
 * Puts the group back on a node between trials, through the request path `ec2-failover
 * switchover` uses (an operator request on the group's status), asked again while the
 * controller refuses (it does until the node is judged healthy).
 */

const TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function requestServed(cluster: LocalCluster, to: NodeName, id: string): Promise<boolean> {
  const result = await cluster.state.requestOperatorAction(GROUP, { kind: 'switchover', to, id, requestedAt: Date.now() });
  if (result.outcome === 'busy') return false;
  await cluster.wake('switchover');
  for (const deadline = Date.now() + TIMEOUT_MS; Date.now() < deadline; await sleep(50)) {
    const status = (await cluster.state.readStatuses()).get(GROUP);
    if (status?.owner === to) return true;
    if (status?.request === undefined) return false;
  }
  return false;
}

export async function switchBack(cluster: LocalCluster, to: NodeName): Promise<void> {
  const since = Date.now();
  for (let attempt = 1; !(await requestServed(cluster, to, `bench-${since}-${attempt}`)); attempt++) {
    if (Date.now() - since > TIMEOUT_MS) throw new Error(`switchover to ${to} not carried out within ${TIMEOUT_MS} ms`);
    await sleep(300);
  }
  await waitForTraffic(cluster.moto, cluster.target, cluster.eniOf(to), since, TIMEOUT_MS);
}
