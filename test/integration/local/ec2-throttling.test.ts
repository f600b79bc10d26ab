import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

async function outcomes(calls: number, call: () => Promise<unknown>): Promise<Array<'ok' | string>> {
  const results: Array<'ok' | string> = [];
  for (let index = 0; index < calls; index += 1) {
    try {
      await call();
      results.push('ok');
    } catch (error) {
      results.push((error as Error).name);
    }
  }
  return results;
}

function destinations(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `10.9.${Math.floor(index / 250)}.${index % 250}/32`);
}

describe('fault proxy: EC2 request limits', () => {
  let test: Ec2TestWorld;

  beforeAll(async () => {
    test = await startEc2TestWorld();
  });

  afterEach(async () => {
    await test.world.proxyClient.reset();
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('drains a bucket, answers RequestLimitExceeded (503) when empty, and refills at the configured rate', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 1 });
    const capacity = 5;
    const refillPerSecond = 2;
    await test.world.proxyClient.setThrottling({ enabled: true, buckets: { DescribeAddresses: { capacity, refillPerSecond } } });
    const drain = async (): Promise<{ served: number; seconds: number; refusal: unknown }> => {
      const startedAt = Date.now();
      for (let served = 0; served < 100; served += 1) {
        try {
          await ec2.send(new DescribeAddressesCommand({}));
        } catch (refusal) {
          return { served, seconds: (Date.now() - startedAt) / 1000, refusal };
        }
      }
      throw new Error('the bucket never ran dry');
    };

    // Act
    const first = await drain();
    await sleep(1500);
    const second = await drain();

    // Assess
    // Bounds come from the measured durations, so a slow machine cannot make this flaky.
    expect(first.refusal).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    expect(first.served).toBeGreaterThanOrEqual(capacity);
    expect(first.served).toBeLessThanOrEqual(capacity + Math.ceil(refillPerSecond * first.seconds));
    expect(second.served).toBeGreaterThanOrEqual(Math.floor(refillPerSecond * 1.5));
    expect(second.served).toBeLessThanOrEqual(Math.ceil(refillPerSecond * (1.5 + second.seconds)) + 1);
    expect((await test.world.proxyClient.counters()).throttled.DescribeAddresses).toBe(2);
  });

  it('lets the SDK back off and retry a throttled call', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 4 });
    await test.world.proxyClient.setThrottling({ enabled: true, buckets: { DescribeRouteTables: { capacity: 1, refillPerSecond: 2 } } });
    await ec2.send(new DescribeRouteTablesCommand({}));

    // Act
    const answer = await ec2.send(new DescribeRouteTablesCommand({}));

    // Assess
    expect(answer.$metadata.attempts).toBeGreaterThanOrEqual(2);
    expect((await test.world.proxyClient.counters()).throttled.DescribeRouteTables).toBeGreaterThanOrEqual(1);
  });

  it('keeps unfiltered DescribeInstances in its own, smaller bucket', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 1 });
    await test.world.proxyClient.setThrottling({ enabled: true, buckets: { 'unfiltered-non-mutating': { capacity: 1, refillPerSecond: 0 } } });

    // Act
    const unfiltered = await outcomes(2, () => ec2.send(new DescribeInstancesCommand({})));
    const filtered = await outcomes(2, () => ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] })));

    // Assess
    expect(unfiltered).toEqual(['ok', 'RequestLimitExceeded']);
    expect(filtered).toEqual(['ok', 'ok']);
    const { state } = await test.world.proxyClient.throttling();
    expect(state['DescribeInstances#unfiltered']).toMatchObject({ capacity: 1, tokens: 0 });
  });

  it('accepts 200 filter values and refuses 201 with FilterLimitExceeded (400, not retried)', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 3 });

    // Act
    const atLimit = await outcomes(1, () =>
      ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.destination-cidr-block', Values: destinations(200) }] })),
    );
    let overLimit: unknown;
    try {
      await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.destination-cidr-block', Values: destinations(201) }] }));
    } catch (error) {
      overLimit = error;
    }

    // Assess
    expect(atLimit).toEqual(['ok']);
    expect(overLimit).toMatchObject({ name: 'FilterLimitExceeded', $metadata: { httpStatusCode: 400, attempts: 1 } });
    expect((await test.world.proxyClient.counters()).rejected.DescribeRouteTables).toEqual({ FilterLimitExceeded: 1 });
  });

  it('refuses a page size EC2 would refuse', async () => {
    // Prepare
    const ec2 = test.ec2();

    // Act
    const answer = await outcomes(1, () => ec2.send(new DescribeRouteTablesCommand({ MaxResults: 1000 })));

    // Assess
    expect(answer).toEqual(['InvalidParameterValue']);
  });
});
