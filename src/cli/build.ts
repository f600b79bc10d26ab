import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { build, transform, type Metafile, type OutputFile } from 'esbuild';
import { ENGLISH_ZOD_ONLY, SOURCE_NAMESPACE, SOURCES_AS_ES_MODULES } from './build-plugins';

/*
 * Builds the operator CLI into dist/cli/, split by command: the entry holds the argument parsing
 * and nothing else, and each command's chunk (with the SDK clients it needs) loads only when that
 * command runs. `npm ci` runs this (the `prepare` script).
 *
 * esbuild splits only ES modules, and Node 20 keeps no compiled code of ES modules between runs;
 * it does for CommonJS, through V8's code cache (src/cli/compile-cache.ts). So the split ES
 * modules are converted, chunk by chunk, into CommonJS modules that require one another, and
 * bin/ec2-failover.js loads them with the code cache.
 *
 * dist/cli/inputs.json lists the repository files the build was made from; bin/ec2-failover.js
 * runs the build only while none of them is newer than it, and the sources otherwise, so a
 * stale build never runs (in tests or anywhere else).
 */

const ROOT = join(__dirname, '..', '..');
export const CLI_BUILD_DIR = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = 'ec2-failover.js';
/** The code-cache loader bin/ec2-failover.js installs before the entry. */
export const CLI_COMPILE_CACHE = 'compile-cache.js';

async function splitModules(outdir: string): Promise<{ files: OutputFile[]; metafile: Metafile }> {
  const result = await build({
    entryPoints: { 'ec2-failover': join(ROOT, 'bin', 'ec2-failover.ts') },
    outdir,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The SDK's ES module builds: tree-shaken, so a chunk holds the few EC2 commands we send, not all of them.
    mainFields: ['module', 'main'],
    // Build-time tools, never loaded by a command.
    external: ['esbuild'],
    plugins: [SOURCES_AS_ES_MODULES, ENGLISH_ZOD_ONLY],
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return { files: result.outputFiles, metafile: result.metafile };
}

/** One split ES module as CommonJS: `import … from './chunk.js'` becomes `require`, `import()` a promised `require`. */
async function asCommonJs(file: OutputFile): Promise<string> {
  const result = await transform(file.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    minify: true,
    sourcefile: basename(file.path),
    logLevel: 'warning',
  });
  return result.code;
}

async function compileCacheLoader(outdir: string): Promise<void> {
  await build({
    entryPoints: [join(__dirname, 'compile-cache.ts')],
    outfile: join(outdir, CLI_COMPILE_CACHE),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** The repository files a build was made from (what bin/ec2-failover.js compares it with). */
function inputsOf(metafile: Metafile): string[] {
  const sources = Object.keys(metafile.inputs)
    .map((input) => (input.startsWith(`${SOURCE_NAMESPACE}:`) ? input.slice(SOURCE_NAMESPACE.length + 1) : input))
    // Files only: a plugin's virtual module (`zod-english:…`) has no mtime to compare.
    .filter((input) => !/^[a-z-]+:/.test(input))
    .map((input) => relative(ROOT, resolve(process.cwd(), input)))
    .filter((input) => !input.startsWith('node_modules') && !input.startsWith('..'));
  // The lockfile stands for the bundled dependencies: `npm ci` rebuilds after changing them anyway.
  return [...new Set([...sources, 'src/cli/compile-cache.ts', 'package.json', 'package-lock.json'])].sort();
}

export async function buildCli(outdir: string = CLI_BUILD_DIR): Promise<{ files: number; inputs: number }> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { files, metafile } = await splitModules(outdir);
  await Promise.all(files.map(async (file) => writeFileSync(file.path, await asCommonJs(file))));
  await compileCacheLoader(outdir);
  const inputs = inputsOf(metafile);
  writeFileSync(join(outdir, 'inputs.json'), `${JSON.stringify(inputs, null, 1)}\n`);
  return { files: files.length, inputs: inputs.length };
}

if (require.main === module) {
  buildCli().then(
    ({ files, inputs }) => process.stdout.write(`dist/cli: ${files} files built from ${inputs} sources\n`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
