import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

/*
 * Builds the node agent into ONE file that needs nothing but Node.js 20+ on the node:
 * every dependency (the AWS SDK included) is bundled, minified. Run with tsx:
 *   npx tsx src/agent/bundle.ts [--outfile PATH]
 */

const ROOT = join(__dirname, '..', '..');
export const DEFAULT_AGENT_BUNDLE = join(ROOT, 'dist', 'ec2-failover-agent.js');

export async function bundleAgent(outfile: string = DEFAULT_AGENT_BUNDLE): Promise<{ outfile: string; bytes: number }> {
  await build({
    entryPoints: [join(__dirname, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Nothing external: the node has no node_modules.
    packages: 'bundle',
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return { outfile, bytes: statSync(outfile).size };
}

function outfileFromArgs(args: readonly string[]): string | undefined {
  const at = args.indexOf('--outfile');
  return at >= 0 ? args[at + 1] : undefined;
}

if (require.main === module) {
  bundleAgent(outfileFromArgs(process.argv.slice(2))).then(
    ({ outfile, bytes }) => {
      process.stdout.write(`${relative(process.cwd(), outfile) || outfile}: ${(bytes / 1024).toFixed(0)} KiB\n`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
