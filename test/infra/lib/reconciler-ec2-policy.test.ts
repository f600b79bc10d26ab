import { afterAll, describe, expect, it } from 'vitest';
import { allPolicyStatements, asList, cleanUpAssemblies, synthStack } from '../../support/synth';

/* What the reconciler may call in EC2: the read-only Describe calls on `*`, nothing else there. */

afterAll(() => {
  cleanUpAssemblies();
});

describe('reconcilerEc2Statements', () => {
  it('lets the reconciler observe routes, addresses, instances, interfaces and VPCs, read-only, on *', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const describe = allPolicyStatements(template)
      .map((s) => s.statement)
      .find((s) => s.Sid === 'ObserveNetworkAndInstances');
    expect(describe?.Effect).toBe('Allow');
    expect(describe?.Resource).toBe('*');
    expect(describe?.Condition).toBeUndefined();
    expect(asList(describe?.Action).sort()).toEqual([
      'ec2:DescribeAddresses',
      'ec2:DescribeInstances',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeRouteTables',
      'ec2:DescribeVpcs',
    ]);
  });
});
