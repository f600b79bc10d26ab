import { describe, expect, it } from 'vitest';
import { Ec2Throttle, requestCategory } from '../../../src/local/ec2-throttling';
import { TokenBucket } from '../../../src/local/token-bucket';

function fakeClock(startMs = 0): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
}

describe('TokenBucket', () => {
  it('starts full, empties one token per request and refuses when empty', () => {
    // Prepare
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1 }, clock.now);

    // Act
    const answers = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];

    // Assess
    expect(answers).toEqual([true, true, true, false]);
  });

  it('refills at its rate and never above its capacity', () => {
    // Prepare
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 4 }, clock.now);
    while (bucket.tryTake());

    // Act
    clock.advance(500);
    const afterHalfSecond = bucket.tokens();
    clock.advance(60_000);
    const afterAMinute = bucket.tokens();

    // Assess
    expect(afterHalfSecond).toBeCloseTo(2, 6);
    expect(afterAMinute).toBe(10);
  });

  it('takes nothing from a request that needs more tokens than there are', () => {
    // Prepare
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 0 }, fakeClock().now);

    // Act
    const tooMany = bucket.tryTake(6);

    // Assess
    expect(tooMany).toBe(false);
    expect(bucket.tokens()).toBe(5);
  });
});

describe('Ec2Throttle', () => {
  it('puts Describe calls without filter or pagination in the smaller bucket only for the listed actions', () => {
    // Prepare
    const unfiltered = new URLSearchParams('Action=DescribeInstances');
    const filtered = new URLSearchParams('Action=DescribeInstances&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1');
    const paginated = new URLSearchParams('Action=DescribeInstances&MaxResults=5');
    const routeTables = new URLSearchParams('Action=DescribeRouteTables');

    // Act
    const categories = [
      requestCategory('DescribeInstances', unfiltered),
      requestCategory('DescribeInstances', filtered),
      requestCategory('DescribeInstances', paginated),
      requestCategory('DescribeRouteTables', routeTables),
      requestCategory('ReplaceRoute', new URLSearchParams()),
      requestCategory('AuthorizeSecurityGroupIngress', new URLSearchParams()),
    ];

    // Assess
    expect(categories).toEqual(['unfiltered-non-mutating', 'non-mutating', 'non-mutating', 'non-mutating', 'mutating', 'resource-intensive']);
  });

  it('uses the published defaults: ReplaceRoute bursts 50 then refills 5 per second', () => {
    // Prepare
    const clock = fakeClock();
    const throttle = new Ec2Throttle(clock.now);
    throttle.configure({ enabled: true });
    const params = new URLSearchParams('Action=ReplaceRoute');

    // Act
    const burst = Array.from({ length: 51 }, () => throttle.admit('ReplaceRoute', params).allowed);
    clock.advance(1000);
    const afterOneSecond = Array.from({ length: 6 }, () => throttle.admit('ReplaceRoute', params).allowed);

    // Assess
    expect(burst.filter(Boolean)).toHaveLength(50);
    expect(burst[50]).toBe(false);
    expect(afterOneSecond).toEqual([true, true, true, true, true, false]);
  });

  it('gives each action its own bucket, so draining one leaves the others alone', () => {
    // Prepare
    const throttle = new Ec2Throttle(fakeClock().now);
    throttle.configure({ enabled: true, buckets: { mutating: { capacity: 1, refillPerSecond: 0 } } });

    // Act
    const firstReplace = throttle.admit('ReplaceRoute', new URLSearchParams()).allowed;
    const secondReplace = throttle.admit('ReplaceRoute', new URLSearchParams());
    const associate = throttle.admit('AssociateAddress', new URLSearchParams()).allowed;

    // Assess
    expect(firstReplace).toBe(true);
    expect(secondReplace).toEqual({ allowed: false, bucket: 'ReplaceRoute' });
    expect(associate).toBe(true);
  });

  it('drains the resource bucket of StopInstances by the number of instances', () => {
    // Prepare
    const throttle = new Ec2Throttle(fakeClock().now);
    throttle.configure({ enabled: true, buckets: { 'resource:StopInstances': { capacity: 3, refillPerSecond: 0 } } });
    const twoInstances = new URLSearchParams('Action=StopInstances&InstanceId.1=i-1&InstanceId.2=i-2');

    // Act
    const first = throttle.admit('StopInstances', twoInstances);
    const second = throttle.admit('StopInstances', twoInstances);

    // Assess
    expect(first.allowed).toBe(true);
    expect(second).toEqual({ allowed: false, bucket: 'resource:StopInstances' });
  });

  it('lets everything through when disabled', () => {
    // Prepare
    const throttle = new Ec2Throttle(fakeClock().now);
    throttle.configure({ enabled: false, buckets: { mutating: { capacity: 1, refillPerSecond: 0 } } });

    // Act
    const answers = Array.from({ length: 5 }, () => throttle.admit('ReplaceRoute', new URLSearchParams()).allowed);

    // Assess
    expect(answers.every(Boolean)).toBe(true);
  });
});
