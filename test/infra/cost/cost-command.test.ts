import { describe, expect, it } from 'vitest';
import { runCost } from '../../../src/cli/cost-command';

/* `ec2-failover cost` without --template synthesizes the app `cdk deploy -c config=FILE` deploys, and prices it. */

describe('ec2-failover cost (synthesizing the stack)', () => {
  it('prices the example cluster from the synthesized app', async () => {
    // Prepare
    const out: string[] = [];

    // Act
    const code = await runCost({ config: 'examples/cluster.yaml', json: true }, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => undefined } });

    // Assess
    const estimate = JSON.parse(out.join('')) as { totalUsd: number; shape: { memoryMb: number; periodSeconds: number }; lines: { item: string; quantity: number; monthlyUsd: number }[] };
    expect(code).toBe(0);
    expect(estimate.shape).toMatchObject({ name: 'on-demand', memoryMb: 256, periodSeconds: 60 });
    expect(estimate.totalUsd).toBeLessThan(5);
    expect(estimate.lines.find((l) => l.item === 'alarms')?.quantity).toBeGreaterThan(0);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((sum, l) => sum + l.monthlyUsd, 0), 9);
  }, 180_000);
});
