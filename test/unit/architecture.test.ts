import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The layout's rules, checked on the import graph itself (static, dynamic and type-only imports
 * alike): folders depend in one direction, production paths never load the local world or the
 * simulation, and the pure core has no cycle.
 */

const ROOT = resolve(__dirname, '..', '..');
const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+|require\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return relative(ROOT, candidate);
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

const graph = new Map<string, string[]>();
for (const file of ['src', 'lib', 'lambdas', 'bin'].flatMap(sourceFiles)) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const targets = [...text.matchAll(IMPORT)].map((m) => resolveImport(file, m[1]!)).filter((t): t is string => t !== undefined);
  graph.set(file, targets);
}

function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...(graph.get(file) ?? []));
  }
  return seen;
}

function cyclesWithin(prefix: string): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    path.push(file);
    for (const next of (graph.get(file) ?? []).filter((t) => t.startsWith(prefix))) {
      if (state.get(next) === 'visiting') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (file.startsWith(prefix) && !state.has(file)) visit(file);
  return cycles;
}

describe('source layout', () => {
  it('keeps the agent independent of the operator CLI', () => {
    const offending = [...graph].filter(([file]) => file.startsWith('src/agent/')).flatMap(([file, targets]) =>
      targets.filter((t) => t.startsWith('src/cli/')).map((t) => `${file} -> ${t}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps the local world and the simulation out of what the Lambdas and the controller load', () => {
    const entries = [...graph.keys()].filter((f) => /^lambdas\/[^/]+\/handler\.ts$/.test(f)).concat('src/cli/controller-command.ts');
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const loaded = entries.flatMap((entry) => [...reachable(entry)].map((file) => ({ entry, file })));
    const offending = loaded.filter(({ file }) => file.startsWith('src/local/') || file.startsWith('src/sim/'));
    expect(offending).toEqual([]);
  });

  it('has no import cycle inside src/core, type-only imports included', () => {
    expect(cyclesWithin('src/core/')).toEqual([]);
  });

  it('keeps src/core free of the AWS SDK and Lambda types', () => {
    const offending = sourceFiles('src/core').filter((file) => /from '(@aws-sdk|aws-lambda|@aws-lambda-powertools)/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offending).toEqual([]);
  });
});
