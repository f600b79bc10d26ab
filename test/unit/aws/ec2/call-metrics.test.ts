import { describe, expect, it } from 'vitest';
import { countCallFailures, errorClassOf } from '../../../../src/aws/ec2/call-metrics';
import type { MetricDimension } from '../../../../src/core/loop-metrics';

describe('countCallFailures', () => {
  it.each([
    ['RequestLimitExceeded', 'unknown', 'throttled'],
    ['Throttling', 'unknown', 'throttled'],
    ['UnauthorizedOperation', 'terminal', 'unauthorized'],
    ['InternalError', 'unknown', 'unknown'],
    ['InvalidNetworkInterfaceID.NotFound', 'terminal', 'terminal'],
  ] as const)('counts %s as %s → %s', (awsCode, kind, expected) => {
    // Prepare
    const points: { name: string; dimension?: MetricDimension }[] = [];
    const count = countCallFailures({ count: (name, _value, dimension) => points.push({ name, dimension }), seconds: () => undefined });

    // Act
    count({ operation: 'ReplaceRoute', awsCode, kind, attempt: 1, message: '' });

    // Assess
    expect(errorClassOf({ operation: 'ReplaceRoute', awsCode, kind, attempt: 1, message: '' })).toBe(expected);
    expect(points).toEqual([{ name: 'Ec2Errors', dimension: { name: 'class', value: expected } }]);
  });
});
