import { InvokeCommand, LambdaClient, LambdaServiceException, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReconcilerWaker, wakeDisabledReason, type ReconcilerWakerOptions } from '../../../../src/aws/lambda/reconciler-wake';
import type { Logger } from '../../../../src/core/logger';

/* The reconciler waker: one asynchronous Invoke per wake, rate-limited per key, never throwing. */

const lambda = mockClient(LambdaClient);

interface LoggedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

function recordingLog(lines: LoggedLine[]): Logger {
  return {
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
}

function waker(lines: LoggedLine[], overrides: Partial<ReconcilerWakerOptions> = {}, now = { ms: 0 }): ReconcilerWaker {
  return new ReconcilerWaker({ cluster: 'prod-db', region: 'us-east-1', from: 'node2', log: recordingLog(lines), clock: () => now.ms, env: {}, ...overrides });
}

function sentPayloads(): unknown[] {
  return lambda.commandCalls(InvokeCommand).map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)));
}

const accessDenied = () =>
  new LambdaServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'User: arn:aws:sts::123456789012:assumed-role/node/i-0 is not authorized to perform: lambda:InvokeFunction on resource: prod-db-reconciler',
  });
const notFound = () =>
  new ResourceNotFoundException({ $metadata: { httpStatusCode: 404 }, message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:prod-db-reconciler' });
const throttled = () => new TooManyRequestsException({ $metadata: { httpStatusCode: 429 }, message: 'Rate Exceeded.' });

beforeEach(() => {
  lambda.reset();
});

describe('ReconcilerWaker.wake', () => {
  it('invokes the cluster\'s reconciler asynchronously with the wake payload', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    const outcome = await waker([]).wake({ reason: 'owner-silent' });

    // Assess
    expect(outcome).toBe('sent');
    expect(lambda.commandCalls(InvokeCommand)[0]!.args[0].input).toMatchObject({ FunctionName: 'prod-db-reconciler', InvocationType: 'Event' });
    expect(sentPayloads()).toEqual([{ source: 'ec2-failover.wake', reason: 'owner-silent', from: 'node2' }]);
  });

  it('wakes once per key per gap, other keys apart', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const now = { ms: 1_000 };
    const subject = waker([], { minGapMs: 3_000 }, now);

    // Act
    const outcomes = [await subject.wake({ reason: 'owner-silent', key: 'owner-silent:node1' })];
    now.ms = 3_999;
    outcomes.push(await subject.wake({ reason: 'owner-silent', key: 'owner-silent:node1' }));
    outcomes.push(await subject.wake({ reason: 'owner-silent', key: 'owner-silent:node3' }));
    now.ms = 4_000;
    outcomes.push(await subject.wake({ reason: 'owner-silent', key: 'owner-silent:node1' }));
    outcomes.push(await subject.wake({ reason: 'leaving', minGapMs: 0 }));

    // Assess
    expect(outcomes).toEqual(['sent', 'limited', 'sent', 'sent', 'sent']);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(4);
  });

  it.each([
    ['AccessDeniedException', accessDenied, /^EC2F-F003 wake of prod-db-reconciler failed: AccessDeniedException \(HTTP 403\): this role lacks lambda:InvokeFunction on prod-db-reconciler/],
    ['ResourceNotFoundException', notFound, /^EC2F-F003 wake of prod-db-reconciler failed: ResourceNotFoundException \(HTTP 404\): prod-db-reconciler is not deployed .*resident/],
    ['TooManyRequestsException', throttled, /^EC2F-F003 wake of prod-db-reconciler failed: TooManyRequestsException \(HTTP 429\): Lambda throttled the wake/],
    ['a connection that times out', () => Object.assign(new Error('connect ETIMEDOUT 52.0.0.1:443'), { code: 'ETIMEDOUT' }), /^EC2F-F003 wake of prod-db-reconciler failed: ETIMEDOUT: connect ETIMEDOUT/],
  ])('logs %s at warn with its code and resolves', async (_label, error, message) => {
    // Prepare
    lambda.on(InvokeCommand).rejects(error());
    const lines: LoggedLine[] = [];

    // Act
    const outcome = await waker(lines).wake({ reason: 'switchover' });

    // Assess
    expect(outcome).toBe('failed');
    expect(lines).toEqual([{ level: 'warn', message: expect.stringMatching(message) }]);
  });

  it('logs a failure that repeats only now and then', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(accessDenied());
    const lines: LoggedLine[] = [];
    const subject = waker(lines);

    // Act
    for (let i = 0; i < 25; i += 1) await subject.wake({ reason: 'checks-changed' });

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(25);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(2);
  });
});

describe('ReconcilerWaker where DynamoDB is local', () => {
  it('sends nothing and says why once, at info', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const lines: LoggedLine[] = [];
    const subject = waker(lines, { env: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' } });

    // Act
    const outcomes = [await subject.wake({ reason: 'agent-started' }), await subject.wake({ reason: 'leaving' })];

    // Assess
    expect(outcomes).toEqual(['disabled', 'disabled']);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(lines).toEqual([{ level: 'info', message: 'reconciler wakes off' }]);
  });

  it.each([
    [{}, false],
    [{ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }, true],
    [{ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001' }, false],
    [{ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, false],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, false],
  ])('%j turns waking off: %s', (env, off) => {
    // Act, Assess
    expect(wakeDisabledReason(env) !== undefined).toBe(off);
  });
});
