import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPrice, formatQuantity } from '../../../src/cli/cost-command';
import { main } from '../../../src/cli/main';

/* `ec2-failover cost --template FILE`: the table, the options and the total, from a template on disk (no synthesis). */

const dir = mkdtempSync(join(tmpdir(), 'ec2f-cost-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEMPLATE = {
  Resources: {
    Reconciler: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 256, Architectures: ['arm64'], Timeout: 137 } },
    Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', Targets: [{ Arn: { 'Fn::GetAtt': ['Reconciler', 'Arn'] } }] } },
    Alarm: { Type: 'AWS::CloudWatch::Alarm' },
  },
};

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
  return { code, out: out.join(''), err: err.join('') };
}

describe('ec2-failover cost', () => {
  it('prints each line, the options with their price and state, and the total', async () => {
    // Prepare
    const template = join(dir, 'stack.template.json');
    writeFileSync(template, JSON.stringify(TEMPLATE));

    // Act
    const { code, out } = await run(['cost', '--config', 'examples/cluster.yaml', '--template', template]);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/reconciler: compute \(256 MB, arm64\)\s+1,404,000\s+\$0\.0000133334 per GB-second \(arm64\)\s+\$18\.72/);
    expect(out).toMatch(/dashboard \[dashboard: off\]\s+0\s+\$3\.00 per dashboard-month\s+\$0\.00/);
    expect(out).toMatch(/dashboard: off, \$3\.00 a month when on/);
    expect(out).toMatch(/^\s+total\s+\$\d+\.\d\d$/m);
  });

  it('prints JSON whose total is the sum of its lines', async () => {
    // Prepare
    const template = join(dir, 'stack.template.json');
    writeFileSync(template, JSON.stringify(TEMPLATE));

    // Act
    const { code, out } = await run(['cost', '--config', 'examples/cluster.yaml', '--template', template, '--json']);

    // Assess
    const estimate = JSON.parse(out) as { totalUsd: number; lines: { monthlyUsd: number; price: { source: string } }[] };
    expect(code).toBe(0);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((sum, line) => sum + line.monthlyUsd, 0), 9);
    expect(estimate.lines.every((line) => line.price.source.length > 0)).toBe(true);
  });

  it('refuses an unreadable template with EC2F-T001 and exit 2', async () => {
    // Act
    const { code, err } = await run(['cost', '--config', 'examples/cluster.yaml', '--template', join(dir, 'absent.json')]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/^EC2F-T001 cannot read the template/);
  });

  it('formats quantities and prices', () => {
    // Assess
    expect([formatQuantity(0), formatQuantity(12.5), formatQuantity(2.0123), formatQuantity(43_200)]).toEqual(['0', '12.5', '2.01', '43,200']);
    expect(formatPrice({ usd: 0.2, per: 1_000_000, unit: 'requests', source: '' })).toBe('$0.20 per 1M requests');
    expect(formatPrice({ usd: 0.03, per: 10_000, unit: 'requests', source: '' })).toBe('$0.03 per 10,000 requests');
  });
});
