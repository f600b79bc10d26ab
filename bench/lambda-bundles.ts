import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { median } from './stats';

/*
 * Each Lambda bundle built with the CDK app's esbuild settings (lib/failover-function.ts:
 * CommonJS, minified, target node22, the AWS SDK and @smithy external as the runtime provides
 * them), its size, and its cold import time: a fresh `node` requiring the bundle with the
 * environment the stack gives it (the SDK
 * resolved from node_modules), median of 5.
 */

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly coldImportMs: number;
}

const ROOT = join(__dirname, '..');
const FUNCTIONS = ['reconciler', 'events', 'spec-apply'] as const;
const IMPORT_TIMER = 'const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';

async function bundle(name: string, dir: string): Promise<string> {
  const outfile = join(dir, name, 'index.js');
  await build({
    entryPoints: [join(ROOT, 'lambdas', name, 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    external: ['@aws-sdk/*', '@smithy/*'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  return outfile;
}

function coldImportMs(file: string): number {
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const answer = spawnSync(process.execPath, ['-e', IMPORT_TIMER, file], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), NODE_NO_WARNINGS: '1', CLUSTER_NAME: 'bench', AWS_REGION: 'us-east-1' } });
    if (answer.status !== 0) throw new Error(`importing ${file} failed: ${answer.stderr.slice(-1000)}`);
    runs.push(Number(answer.stdout));
  }
  return Math.round(median(runs));
}

export async function lambdaBundles(dir: string, say: (line: string) => void): Promise<BundleFigures[]> {
  const figures: BundleFigures[] = [];
  for (const name of FUNCTIONS) {
    const file = await bundle(name, dir);
    figures.push({ name, bytes: statSync(file).size, coldImportMs: coldImportMs(file) });
    say(`  bundle ${name}: ${figures.at(-1)!.bytes} bytes, cold import ${figures.at(-1)!.coldImportMs} ms`);
  }
  return figures;
}
