import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/* The esbuild plugins of the CLI build (src/cli/build.ts). */

const ROOT = join(__dirname, '..', '..');

/**
 * zod's namespace object re-exports every locale (`z.locales`), so bundling `z` bundles ~40
 * translations of its messages. The CLI uses English only (zod's default, which it configures
 * from en.js directly): the locale index is replaced by one that holds English alone.
 */
export const ENGLISH_ZOD_ONLY: Plugin = {
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
export const SOURCE_NAMESPACE = 'ec2f-source';
export const SOURCES_AS_ES_MODULES: Plugin = {
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
