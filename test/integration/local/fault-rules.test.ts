import { DescribeAddressesCommand, DescribeRouteTablesCommand, EC2ServiceException } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ec2FailoverError } from '../../../src/core/errors';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call succeeded; a failure was expected');
}

describe('fault proxy: injected faults as the SDK surfaces them', () => {
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

  it('lets the SDK retry an injected RequestLimitExceeded, and the counters show the retry', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 3 });
    await test.world.proxyClient.setFaults([{ action: 'DescribeRouteTables', errorCode: 'RequestLimitExceeded', times: 1 }]);

    // Act
    const answer = await ec2.send(new DescribeRouteTablesCommand({}));

    // Assess
    const counters = await test.world.proxyClient.counters();
    expect(answer.$metadata.attempts).toBe(2);
    expect(counters.calls.DescribeRouteTables).toBe(2);
    expect(counters.faults.DescribeRouteTables).toEqual({ RequestLimitExceeded: 1 });
    expect(counters.forwarded.DescribeRouteTables).toBe(1);
  });

  it('surfaces an injected InternalError as a 500 server fault', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 1 });
    await test.world.proxyClient.setFaults([{ action: 'DescribeAddresses', errorCode: 'InternalError' }]);

    // Act
    const error = await failureOf(ec2.send(new DescribeAddressesCommand({})));

    // Assess
    expect(error).toBeInstanceOf(EC2ServiceException);
    expect(error).toMatchObject({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
  });

  it('surfaces Unavailable as 503 and keeps retrying it until attempts run out', async () => {
    // Prepare
    const ec2 = test.ec2({ maxAttempts: 2 });
    await test.world.proxyClient.setFaults([{ action: '*', errorCode: 'Unavailable' }]);

    // Act
    const error = await failureOf(ec2.send(new DescribeAddressesCommand({})));

    // Assess
    expect(error).toMatchObject({ name: 'Unavailable', $metadata: { httpStatusCode: 503, attempts: 2 } });
    expect((await test.world.proxyClient.counters()).faults.DescribeAddresses).toEqual({ Unavailable: 2 });
  });

  it('hangs a call until the client requestTimeout gives up, then answers normally once retried', async () => {
    // Prepare
    const impatient = test.ec2({ maxAttempts: 1, requestTimeoutMs: 400 });
    const retrying = test.ec2({ maxAttempts: 2, requestTimeoutMs: 400 });
    await test.world.proxyClient.setFaults([{ action: 'DescribeAddresses', hang: true, times: 2 }]);

    // Act
    const startedAt = Date.now();
    const timeout = await failureOf(impatient.send(new DescribeAddressesCommand({})));
    const waitedMs = Date.now() - startedAt;
    const retried = await retrying.send(new DescribeAddressesCommand({}));

    // Assess
    expect(timeout.name).toBe('TimeoutError');
    expect(waitedMs).toBeGreaterThanOrEqual(350);
    expect(retried.$metadata.attempts).toBe(2);
    expect((await test.world.proxyClient.counters()).faults.DescribeAddresses).toEqual({ hang: 2 });
  });

  it('adds latency without changing the answer', async () => {
    // Prepare
    const ec2 = test.ec2();
    await test.world.proxyClient.setFaults([{ action: 'DescribeAddresses', latencyMs: 300 }]);

    // Act
    const startedAt = Date.now();
    const answer = await ec2.send(new DescribeAddressesCommand({}));
    const tookMs = Date.now() - startedAt;

    // Assess
    expect(answer.Addresses).toEqual([]);
    expect(tookMs).toBeGreaterThanOrEqual(290);
    expect((await test.world.proxyClient.counters()).delayed.DescribeAddresses).toBe(1);
  });

  it('fails about the share of calls given by rate', async () => {
    // Prepare
    const ec2 = test.ec2();
    await test.world.proxyClient.setFaults([{ action: 'DescribeAddresses', errorCode: 'InternalError', rate: 0.5 }]);

    // Act
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, () => ec2.send(new DescribeAddressesCommand({}))));

    // Assess
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    // Binomial(60, 0.5): outside 12..48 happens about once in ten million runs.
    expect(failures).toBeGreaterThanOrEqual(12);
    expect(failures).toBeLessThanOrEqual(48);
  });

  it('rejects a malformed rule with a coded error and keeps the rules it had', async () => {
    // Prepare
    await test.world.proxyClient.setFaults([{ action: 'ReplaceRoute', latencyMs: 10 }]);

    // Act
    const error = await failureOf(test.world.proxyClient.setFaults([{ action: 'ReplaceRoute' }]));

    // Assess
    expect(error).toBeInstanceOf(Ec2FailoverError);
    expect((error as Ec2FailoverError).code).toBe('EC2F-L009');
    expect(await test.world.proxyClient.faults()).toEqual([{ action: 'ReplaceRoute', latencyMs: 10, faultsServed: 0 }]);
  });
});
