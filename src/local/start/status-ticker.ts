import type { LocalCluster, NodeName } from './local-cluster';
import { GROUP } from './local-cluster';
import { readTraffic } from './traffic-view';

/*
 * The live status view: twice a second it reads the group's status from DynamoDB and the routes
 * and the Elastic IP from EC2, and prints one compact line whenever the picture changes.
 */

const POLL_MS = 500;

function nodeOfEni(cluster: LocalCluster, eni: string | undefined): string {
  if (eni === undefined) return 'nothing';
  for (const node of ['node1', 'node2'] as const) if (cluster.eniOf(node) === eni) return node;
  return eni;
}

async function statusLine(cluster: LocalCluster): Promise<string> {
  const [statuses, traffic] = await Promise.all([cluster.state.readStatuses(), readTraffic(cluster.moto, cluster.target)]);
  const status = statuses.get(GROUP);
  const owner = status ? `${status.owner ?? 'none'} (epoch ${status.epoch}, ${status.phase})` : 'not decided';
  const routes = traffic.routes.map((eni) => nodeOfEni(cluster, eni)).join(' ');
  const agents = (['node1', 'node2'] as const satisfies readonly NodeName[]).map((node) => `${node} ${cluster.agents.has(node) ? 'up' : 'down'}`).join(', ');
  return `owner ${owner} · routes → ${routes} · EIP → ${nodeOfEni(cluster, traffic.eipEni)} · agents: ${agents}`;
}

/** Starts printing; the returned function stops it. */
export function startStatusTicker(cluster: LocalCluster, print: (line: string) => void): () => Promise<void> {
  let running = true;
  let last = '';
  const loop = (async () => {
    while (running) {
      try {
        const line = await statusLine(cluster);
        if (line !== last && running) print(`  status: ${line}`);
        last = line;
      } catch {
        // A read that failed this time; the next one will tell.
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
