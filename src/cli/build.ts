import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/*
 * Builds the operator CLI into dist/cli/ as ES modules split by command: the entry holds the
 * argument parsing and nothing else, and each command's chunk (with the SDK clients it needs)
 * loads only when that command runs. `npm ci` runs this (the `prepare` script).
 *
 * dist/cli/inputs.json lists the repository files the build was made from; bin/ec2-failover.js
 * runs the build only while none of them is newer than it, and the sources otherwise, so a
 * stale build never runs (in tests or anywhere else).
 */

const ROOT = join(__dirname, '..', '..');
export const CLI_BUILD_DIR = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = 'ec2-failover.mjs';

// An ES module has neither `require` nor `__dirname`; bundled CommonJS code (the AWS SDK) and
// our own paths relative to the file (examples/) need both. dist/cli is two levels deep, like src/<folder>.
const BANNER = [
  "import { createRequire as __ec2fRequire } from 'node:module';",
  "import { dirname as __ec2fDirname } from 'node:path';",
  "import { fileURLToPath as __ec2fPath } from 'node:url';",
  'const require = __ec2fRequire(import.meta.url);',
  'const __filename = __ec2fPath(import.meta.url);',
  'const __dirname = __ec2fDirname(__filename);',
].join('\n');

/**
 * zod's namespace object re-exports every locale (`z.locales`), so bundling `z` bundles ~40
 * translations of its messages. The CLI uses English only (zod's default, which it configures
 * from en.js directly): the locale index is replaced by one that holds English alone.
 */
const ENGLISH_ZOD_ONLY: Plugin = {
  name: 'english-zod-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(args.resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-english' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * package.json says `"type": "commonjs"` (tsx, vitest and the CDK app run the sources that way),
 * and esbuild then treats every .ts file as CommonJS: each module, and every SDK module it
 * imports, is wrapped in a lazy initialiser that tree shaking cannot see into, so the bundle
 * carries every command, paginator and waiter of the EC2 client. The sources are written as ES
 * modules; loaded from a namespace of their own (no package.json to consult), they are bundled
 * as such and the SDK is tree-shaken.
 */
const SOURCE_NAMESPACE = 'ec2f-source';
const SOURCES_AS_ES_MODULES: Plugin = {
  name: 'sources-as-es-modules',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === SOURCES_AS_ES_MODULES || (args.kind !== 'entry-point' && !args.path.startsWith('.'))) return undefined;
      const resolveDir = args.namespace === SOURCE_NAMESPACE ? dirname(args.importer) : args.resolveDir;
      const found = await build.resolve(args.path, { kind: args.kind, resolveDir, pluginData: SOURCES_AS_ES_MODULES });
      if (found.errors.length > 0 || !/\.ts$/.test(found.path) || /[\\/]node_modules[\\/]/.test(found.path)) return found.errors.length > 0 ? { errors: found.errors } : { path: found.path };
      return { path: found.path, namespace: SOURCE_NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: SOURCE_NAMESPACE }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'ts', resolveDir: dirname(args.path) }));
  },
};

export async function buildCli(outdir: string = CLI_BUILD_DIR): Promise<{ files: number; inputs: number }> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { 'ec2-failover': join(ROOT, 'bin', 'ec2-failover.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    // The SDK's ES module builds: tree-shaken, so a chunk holds the few EC2 commands we send, not all of them.
    mainFields: ['module', 'main'],
    // Build-time tools, never loaded by a command.
    external: ['esbuild'],
    plugins: [SOURCES_AS_ES_MODULES, ENGLISH_ZOD_ONLY],
    banner: { js: BANNER },
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const sources = Object.keys(result.metafile.inputs)
    .map((input) => (input.startsWith(`${SOURCE_NAMESPACE}:`) ? input.slice(SOURCE_NAMESPACE.length + 1) : input))
    // Files only: a plugin's virtual module (`zod-english:…`) has no mtime to compare.
    .filter((input) => !/^[a-z-]+:/.test(input))
    .map((input) => relative(ROOT, resolve(process.cwd(), input)))
    .filter((input) => !input.startsWith('node_modules') && !input.startsWith('..'));
  // The lockfile stands for the bundled dependencies: `npm ci` rebuilds after changing them anyway.
  const inputs = [...new Set([...sources, 'package.json', 'package-lock.json'])].sort();
  writeFileSync(join(outdir, 'inputs.json'), `${JSON.stringify(inputs, null, 1)}\n`);
  return { files: Object.keys(result.metafile.outputs).length, inputs: inputs.length };
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
