import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStack, cleanUpAssemblies, testApp } from '../../support/synth';

/*
 * The real bundles, built by a synth the way `cdk deploy` builds them (local esbuild, minified,
 * AWS SDK external): each must stay under 1 MB, the budget DESIGN.md sets for cold starts.
 */

const BUDGET_BYTES = 1_000_000;
/** What each bundle weighed before the layout by job; none may grow past it (no YAML parser, no SDK packages). */
const SIZE_BEFORE_BYTES: Record<string, number> = { reconciler: 680_000, events: 606_000, 'spec-apply': 620_000 };

afterAll(() => {
  cleanUpAssemblies();
});

describe('Lambda bundles', () => {
  it('bundles each control-plane function under 1 MB', () => {
    // Prepare
    const app = testApp({ bundle: true });
    const stack = buildStack(undefined, {}, app);
    const functions = {
      reconciler: stack.controlPlane.reconciler,
      events: stack.controlPlane.eventsFunction,
      'spec-apply': stack.controlPlane.specApplyFunction,
    };

    // Act
    const assembly = app.synth();

    // Assess
    const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Properties: { Code: { S3Key: string } } }> };
    const sizes: Record<string, number> = {};
    for (const [name, fn] of Object.entries(functions)) {
      const s3Key = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)]?.Properties.Code.S3Key;
      expect(s3Key, name).toMatch(/^[0-9a-f]{64}\.zip$/);
      sizes[name] = statSync(join(assembly.directory, `asset.${s3Key!.replace(/\.zip$/, '')}`, 'index.js')).size;
    }
    console.info(`bundle sizes (bytes): ${JSON.stringify(sizes)}`);
    for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThan(Math.min(BUDGET_BYTES, SIZE_BEFORE_BYTES[name]!));
  });
});
