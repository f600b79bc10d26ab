import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * Every coded message the product can print is explained in the README's message catalog, and the
 * catalog explains no code the product no longer has.
 */

const ROOT = resolve(__dirname, '..', '..');
const CODE = /EC2F-[A-Z]\d{3}/g;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('message catalog', () => {
  it('lists exactly the codes the product uses', () => {
    // Prepare
    const used = new Set(['src', 'lib', 'lambdas', 'bin'].flatMap(sourceFiles).flatMap((file) => readFileSync(join(ROOT, file), 'utf8').match(CODE) ?? []));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const catalog = new Set([...readme.matchAll(/^\| `(EC2F-[A-Z]\d{3})`/gm)].map((m) => m[1]!));

    // Assess
    expect([...used].filter((code) => !catalog.has(code)).sort()).toEqual([]);
    expect([...catalog].filter((code) => !used.has(code)).sort()).toEqual([]);
  });
});
