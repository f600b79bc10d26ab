import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes';

/*
 * One list of codes (src/core/error-codes.ts): the README's message catalog shows exactly its
 * rows, cause and action word for word, and every code the product's sources name is in it.
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

function catalogRows(): Record<string, { cause: string; action: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(EC2F-[A-Z]\d{3})` \| (.*) \| (.*) \|$/gm)];
  return Object.fromEntries(rows.map((m) => [m[1]!, { cause: m[2]!, action: m[3]! }]));
}

describe('message catalog', () => {
  it('the README shows exactly the registry, cause and action word for word', () => {
    expect(catalogRows()).toEqual(ERROR_CODES);
  });

  it('every code the sources name is in the registry, and the registry holds no code nothing uses', () => {
    // Prepare
    const used = new Set(
      ['src', 'lib', 'lambdas', 'bin']
        .flatMap(sourceFiles)
        .filter((file) => !file.endsWith('error-codes.ts'))
        .flatMap((file) => readFileSync(join(ROOT, file), 'utf8').match(CODE) ?? []),
    );
    const registry = new Set(Object.keys(ERROR_CODES));

    // Assess
    expect([...used].filter((code) => !registry.has(code)).sort()).toEqual([]);
    expect([...registry].filter((code) => !used.has(code)).sort()).toEqual([]);
  });
});
