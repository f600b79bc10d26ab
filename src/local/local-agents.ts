import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startImdsStandIn, type ImdsStandIn } from './imds-stand-in';
import type { DemoSeed } from './seed-demo';

/*
 * Agents for the seeded demo nodes, on this host: per node an instance-metadata stand-in, an
 * agent config whose hooks only record (one line per activation or deactivation in a file, so
 * nothing touches the host's interfaces), and the command line that starts it.
 */

export interface LocalAgent {
  readonly node: string;
  readonly instanceId: string;
  readonly imds: ImdsStandIn;
  readonly configPath: string;
  /** Where the recording hooks append their lines. */
  readonly hookLog: string;
  /** argv after `ec2-failover`. */
  readonly args: readonly string[];
}

const RECORD = 'echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $EC2F_ROLE group=$EC2F_GROUP epoch=$EC2F_EPOCH reason=$EC2F_REASON vip=$EC2F_VIP eni=$EC2F_ENI" >> "$0"';

export async function startLocalAgents(seed: DemoSeed, region: string, folder: string): Promise<LocalAgent[]> {
  const agents: LocalAgent[] = [];
  try {
    for (const [index, node] of (['node1', 'node2'] as const).entries()) {
      const ids = seed.ids[node];
      const mac = `02:ec:2f:00:00:0${index + 1}`;
      const imds = await startImdsStandIn({
        instanceId: ids.instanceId,
        region,
        interfaces: [{ mac, eni: ids.eniId, deviceNumber: 0, localIpv4s: [ids.privateIp] }],
      });
      const dir = join(folder, node);
      mkdirSync(dir, { recursive: true });
      const hookLog = join(dir, 'hooks.log');
      const configPath = join(dir, 'agent.yaml');
      const hook = { command: ['sh', '-c', RECORD, hookLog], timeoutSeconds: 10 };
      writeFileSync(
        configPath,
        stringify({
          cluster: seed.config.cluster,
          region,
          stateDir: join(dir, 'state'),
          // No MAC of this host is the ENI's: name the interface, the recording hooks never use it.
          interfaces: { [ids.eniId]: 'lo' },
          hooks: { mode: 'replace', activate: hook, deactivate: hook },
        }),
      );
      agents.push({ node, instanceId: ids.instanceId, imds, configPath, hookLog, args: ['agent', '--config', configPath, '--imds-endpoint', imds.endpoint] });
    }
    return agents;
  } catch (error) {
    await Promise.allSettled(agents.map((a) => a.imds.stop()));
    throw error;
  }
}
