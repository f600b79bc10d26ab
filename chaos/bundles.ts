import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleAgent } from '../src/agent/bundle';

/*
 * The agent and the CLI bundled once per campaign: a bundled process starts in well under a
 * second, where tsx would compile the sources for 2-3 s at every start (and a scenario starts
 * three to five processes, more with restarts).
 */

export interface Bundles {
  readonly agent: string;
  readonly cli: string;
}

export async function buildBundles(dir: string): Promise<Bundles> {
  const root = join(__dirname, '..');
  const cli = join(dir, 'ec2-failover-cli.js');
  const [agent] = await Promise.all([
    bundleAgent(join(dir, 'ec2-failover-agent.js')),
    build({
      entryPoints: [join(root, 'bin', 'ec2-failover.ts')],
      outfile: cli,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'bundle',
      // The CDK and the local world are never loaded by `controller`.
      external: ['aws-cdk-lib', 'constructs', 'esbuild'],
      minify: true,
      legalComments: 'none',
      logLevel: 'error',
    }),
  ]);
  return { agent: agent.outfile, cli };
}
