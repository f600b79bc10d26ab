import type { LocalCluster } from './local-cluster';

/*
 * What `npm start -- --keep` prints once the story is over: the exports that point any AWS
 * client at the world, and commands to look around and to break things again.
 */

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function keepBanner(cluster: LocalCluster): string {
  const exports = Object.entries(cluster.env)
    .map(([name, value]) => `${name}=${shellQuote(value)}`)
    .join(' ');
  const config = shellQuote(cluster.configPath);
  const agentPids = [...cluster.agents].map(([node, agent]) => `${node} ${agent.pid}`).join(', ');
  return [
    '',
    'The world is still running. In another shell:',
    `  export ${exports}`,
    `  npx ec2-failover status --config ${config} --watch`,
    `  npx ec2-failover history --config ${config}`,
    `  npx ec2-failover switchover --config ${config} --group demo --to node1 --wait`,
    `  kill -9 -<pid>     # an agent's process group (${agentPids}); controller ${cluster.controller?.pid}`,
    `  cat ${cluster.agentSetups.map((setup) => shellQuote(setup.hookLog)).join(' ')}   # what the recording hooks saw`,
    '',
    'Press Ctrl-C here to stop everything.',
    '',
  ].join('\n');
}
