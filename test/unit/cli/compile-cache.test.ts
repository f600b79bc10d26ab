import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installCompileCache, type CompileCache } from '../../../src/cli/compile-cache';

/*
 * The code cache of the built CLI, with Node's own CommonJS loader: a module of the build folder
 * runs as it would without the cache, leaves a cache the next load accepts, and a cache V8
 * refuses is replaced.
 */

let installed: CompileCache | undefined;

afterEach(() => {
  installed?.uninstall();
  installed = undefined;
});

function buildFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ec2f-compile-cache-'));
  writeFileSync(join(dir, 'answer.js'), "const { basename } = require('node:path');\nmodule.exports = { answer: () => 42, folder: basename(__dirname), file: basename(__filename), self: module.id === require.resolve('./answer.js') };\n");
  return dir;
}

/** Loads answer.js afresh (not from require's cache) with the code cache installed. */
function load(dir: string, file = 'answer.js'): { exports: Record<string, unknown>; written: number } {
  installed?.uninstall();
  installed = installCompileCache(dir);
  const require = createRequire(join(dir, 'index.js'));
  delete require.cache[require.resolve(`./${file}`)];
  const exports = require(`./${file}`) as Record<string, unknown>;
  return { exports, written: installed.flush() };
}

describe('installCompileCache', () => {
  it('runs a module of the folder as Node would, and leaves its cache for the next run', () => {
    // Prepare
    const dir = buildFolder();

    // Act
    const first = load(dir);
    const second = load(dir);

    // Assess
    expect((first.exports.answer as () => number)()).toBe(42);
    expect(first.exports).toMatchObject({ folder: dir.split('/').pop(), file: 'answer.js', self: true });
    expect(readdirSync(join(dir, 'v8-cache'))).toEqual([`answer.js.${process.version}-${process.arch}.cache`]);
    expect([first.written, second.written]).toEqual([1, 0]);
  });

  it('replaces a cache V8 refuses', () => {
    // Prepare
    const dir = buildFolder();
    mkdirSync(join(dir, 'v8-cache'));
    writeFileSync(join(dir, 'v8-cache', `answer.js.${process.version}-${process.arch}.cache`), 'not a code cache');

    // Act
    const refused = load(dir);
    const after = load(dir);

    // Assess
    expect((refused.exports.answer as () => number)()).toBe(42);
    expect([refused.written, after.written]).toEqual([1, 0]);
  });

  it('leaves modules outside the folder alone', () => {
    // Prepare
    const dir = buildFolder();
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'other.js'), 'module.exports = { other: true };\n');

    // Act
    const loaded = load(dir, 'lib/other.js');

    // Assess
    expect([loaded.exports, loaded.written]).toEqual([{ other: true }, 0]);
  });
});
