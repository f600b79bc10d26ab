import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/*
 * V8's code cache for the built CLI. Node 20 compiles every module from source at every start
 * (it has no compile cache of its own before Node 22), and for the CLI that costs more than
 * running it: the EC2 client alone is half a megabyte of minified code. Each module under the
 * build folder is compiled with the cached data a previous run left; a module that had none, or
 * whose cache V8 refused (another Node version or build), leaves one when the process exits,
 * holding every function that run compiled. A folder that cannot be written only costs the cache.
 */

/** Node's own CommonJS compile step: not in the public typings, stable since Node 0.x. */
interface CompilingModule extends NodeJS.Module {
  _compile(content: string, filename: string): unknown;
}

interface InternalModule {
  prototype: CompilingModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: NodeJS.Module, isMain: boolean, options?: { paths?: string[] }): string;
  _cache: NodeJS.Dict<NodeJS.Module>;
}

const internal = Module as unknown as InternalModule;

export interface CompileCache {
  /** Writes the cache of every module compiled without one (done at exit unless uninstalled); returns how many it wrote. */
  flush(): number;
  uninstall(): void;
}

function cacheFileOf(cacheDir: string, filename: string): string {
  return join(cacheDir, `${basename(filename)}.${process.version}-${process.arch}.cache`);
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The `require` a module's wrapper receives, resolving from that module. */
function requireFor(mod: NodeJS.Module): NodeJS.Require {
  const moduleRequire = ((id: string) => mod.require(id)) as NodeJS.Require;
  moduleRequire.resolve = ((request: string, options?: { paths?: string[] }) => internal._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  moduleRequire.main = require.main;
  moduleRequire.cache = internal._cache;
  return moduleRequire;
}

/** Compiles modules in `dir` (not below it) with V8's code cache kept in `cacheDir`. */
export function installCompileCache(dir: string, cacheDir: string = join(dir, 'v8-cache')): CompileCache {
  const uncached: { script: Script; file: string }[] = [];
  const original = internal.prototype._compile;
  internal.prototype._compile = function compileWithCache(this: CompilingModule, content: string, filename: string) {
    if (dirname(filename) !== dir) return original.call(this, content, filename);
    const file = cacheFileOf(cacheDir, filename);
    const cachedData = readCache(file);
    const script = new Script(internal.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) uncached.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  const flush = () => {
    let written = 0;
    for (const { script, file } of uncached.splice(0)) {
      try {
        mkdirSync(cacheDir, { recursive: true });
        // Written aside, then renamed: a CLI started meanwhile reads a whole cache or none.
        const partial = `${file}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, file);
        written += 1;
      } catch {
        // A read-only install: the next run compiles from source, as without a cache.
      }
    }
    return written;
  };
  process.once('exit', flush);
  return {
    flush,
    uninstall() {
      internal.prototype._compile = original;
      process.off('exit', flush);
    },
  };
}
